package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEchoOverTelnetAndWebSocket(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serve(ctx, addr, 300*time.Millisecond, out)
	})
	host := strings.TrimPrefix(url, "http://")

	// Telnet style: lines come back, on a connection that starts talking
	// at once and on one that says nothing for longer than the timeout.
	for _, wait := range []bool{false, true} {
		nc, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if wait {
			// Block on a read past the timeout: the server says nothing.
			nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			if n, err := nc.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Fatalf("server sent first: %d, %v", n, err)
			}
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		for _, line := range []string{"hello\r\n", "GET is no method now\r\n"} {
			io.WriteString(nc, line)
			got := make([]byte, len(line))
			if _, err := io.ReadFull(nc, got); err != nil || string(got) != line {
				t.Fatalf("echo %q, %v; want %q", got, err, line)
			}
		}
	}

	// HTTP and WebSocket on the same port.
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(body), "raw-fallback:") {
		t.Fatalf("HTTP body %q", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, extest.WS(url), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("over ws")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := ws.Read(ctx); err != nil || string(got) != "over ws" {
		t.Fatalf("ws echo %q, %v", got, err)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}
