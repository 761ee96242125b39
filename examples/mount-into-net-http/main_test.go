package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestMountedNextToOtherRoutes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	pr, pw := io.Pipe()
	go func() { done <- run(runCtx, "127.0.0.1:0", pw) }()
	line := make([]byte, 100)
	n, _ := pr.Read(line)
	go io.Copy(io.Discard, pr)
	url := strings.TrimSpace(strings.TrimPrefix(string(line[:n]), "listening on "))

	for path, want := range map[string]string{"/": "hello from net/http", "/healthz": "ok"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Fatalf("GET %s: %q", path, b)
		}
	}

	c, _, err := websocket.Dial(ctx, extest.WS(url)+"/ws/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.Write(ctx, websocket.MessageText, []byte("through net/http"))
	if _, b, err := c.Read(ctx); err != nil || string(b) != "through net/http" {
		t.Fatalf("echo: %q, %v", b, err)
	}

	stop() // the server's own shutdown must close the WebSocket with 1001
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after shutdown: %v, want close 1001", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	pw.Close()
}
