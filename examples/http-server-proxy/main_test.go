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

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestProxyAndRedirects(t *testing.T) {
	url := extest.Start(t, run)

	resp, err := http.Get(url + "/proxy/hello?x=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	host := strings.TrimPrefix(url, "http://")
	if want := "backend: GET /app/hello?x=1 from 127.0.0.1 via " + host + "\n"; string(b) != want {
		t.Fatalf("through the proxy: %q, want %q", b, want)
	}

	tests := []struct {
		path   string
		status int
		loc    string // a prefix of Location
		suffix string
	}{
		{"/old/hello?x=1", 301, "http://127.0.0.1:", "/app/hello?x=1"},
		{"/moved/page", 302, "https://libwebsockets.org/page", ""},
	}
	for _, tt := range tests {
		resp, err := noFollow.Get(url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != tt.status || !strings.HasPrefix(loc, tt.loc) || !strings.HasSuffix(loc, tt.suffix) {
			t.Errorf("%s: %d %q", tt.path, resp.StatusCode, loc)
		}
	}
}

func TestWebSocketThroughProxy(t *testing.T) {
	url := extest.Start(t, run)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, extest.WS(url)+"/proxy/", &websocket.DialOptions{Subprotocols: []string{"lws-echo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != "lws-echo" {
		t.Fatalf("subprotocol %q", p)
	}
	c.SetReadLimit(-1)
	for _, msg := range []string{"through the proxy", strings.Repeat("z", 200_000)} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		if _, b, err := c.Read(ctx); err != nil || string(b) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(b), err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}
