package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEcho(t *testing.T) {
	url := extest.Start(t, run)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, extest.WS(url), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "" {
		t.Fatalf("server named subprotocol %q to a client that offered none", p)
	}
	c.SetReadLimit(-1)
	for _, n := range []int{0, 5, 4096, 70_000} {
		msg := bytes.Repeat([]byte{'z'}, n)
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil || typ != websocket.MessageBinary || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: %v %d bytes, %v", n, typ, len(got), err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}
