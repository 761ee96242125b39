package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCompressedEcho(t *testing.T) {
	url := extest.Start(t, run)
	tests := []struct {
		name string
		mode websocket.CompressionMode
		want bool
	}{
		{"client offers deflate", websocket.CompressionContextTakeover, true},
		{"client offers deflate without takeover", websocket.CompressionNoContextTakeover, true},
		{"client offers nothing", websocket.CompressionDisabled, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, resp, err := websocket.Dial(ctx, extest.WS(url), &websocket.DialOptions{CompressionMode: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			c.SetReadLimit(-1)
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != tt.want {
				t.Fatalf("extensions %q, want deflate %v", ext, tt.want)
			}
			msg := bytes.Repeat([]byte("compress me please "), 5000)
			for range 3 {
				if err := c.Write(ctx, websocket.MessageText, msg); err != nil {
					t.Fatal(err)
				}
				_, got, err := c.Read(ctx)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("echo: %d bytes, %v", len(got), err)
				}
			}
			c.Close(websocket.StatusNormalClosure, "")
		})
	}
}
