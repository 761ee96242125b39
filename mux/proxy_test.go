package mux

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
)

// echoOrigin answers with what it saw of the request.
func echoOrigin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s host=%s xff=%t xfh=%s xfp=%s tls=%t",
			r.Method, r.URL.RequestURI(), r.Host, r.Header.Get("X-Forwarded-For") != "",
			r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-Proto"), r.TLS != nil)
	})
}

func TestProxyMount(t *testing.T) {
	plain := httptest.NewServer(echoOrigin())
	defer plain.Close()
	secure := httptest.NewTLSServer(echoOrigin())
	defer secure.Close()

	mustProxy := func(mount, origin string, o *ProxyOptions) *Proxy {
		p, err := NewProxy(mount, origin, o)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	v := &Vhost{Mounts: Mounts{
		{Path: "/app", Handler: mustProxy("/app", plain.URL+"/base", nil)},
		{Path: "/root", Handler: mustProxy("/root", plain.URL, nil)},
		{Path: "/tls", Handler: mustProxy("/tls", secure.URL+"/s/", &ProxyOptions{Transport: secure.Client().Transport})},
		{Path: "/dead", Handler: mustProxy("/dead", "http://127.0.0.1:1", &ProxyOptions{Logger: quiet})},
	}}
	front := httptest.NewServer(v)
	defer front.Close()
	frontHost := strings.TrimPrefix(front.URL, "http://")
	plainHost := strings.TrimPrefix(plain.URL, "http://")

	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/app/a/b?x=1", 200, "GET /base/a/b?x=1 host=" + plainHost + " xff=true xfh=" + frontHost + " xfp=http tls=false"},
		{"/app", 200, "GET /base host="},
		{"/app/sp%20ace/%2F", 200, "GET /base/sp%20ace/%2F host="},
		{"/root/", 200, "GET / host="},
		{"/root", 200, "GET / host="},
		{"/tls/x?y", 200, "GET /s/x?y host=" + strings.TrimPrefix(secure.URL, "https://")},
		{"/tls/x", 200, "tls=true"},
		{"/dead/x", http.StatusBadGateway, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(front.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Fatalf("got %d %q, want %d containing %q", resp.StatusCode, b, tt.status, tt.want)
			}
		})
	}
	if _, err := NewProxy("/x", "unix:///tmp/sock", nil); err == nil {
		t.Fatal("NewProxy accepted a unix origin")
	}
}

// echoSession sends each message back; it holds one message at most.
type echoSession struct {
	buf  []byte
	typ  conn.MessageType
	fin  bool
	have bool
}

func (s *echoSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf = append(s.buf[:0], in.Data...)
	s.typ, s.fin, s.have = in.Type, in.Final, true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (s *echoSession) Writeable(c *conn.Conn) error {
	if !s.have {
		return nil
	}
	s.have = false
	c.SetRx(true)
	return c.WriteFragment(s.typ, s.buf, s.fin)
}

func TestProxyWebSocket(t *testing.T) {
	var set conn.Set
	origin := httptest.NewServer(&Vhost{Protocols: []*Protocol{{
		Name:       "echo",
		NewSession: func(*conn.Conn) conn.Session { return new(echoSession) },
		Conn:       &conn.Options{Set: &set},
	}}})
	defer origin.Close()
	p, err := NewProxy("/ws", origin.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The front vhost speaks a protocol of its own: only upgrades under the
	// proxy mount may reach the origin.
	front := httptest.NewServer(&Vhost{
		Protocols: []*Protocol{{Name: "front", NewSession: func(*conn.Conn) conn.Session { return conn.NopSession{} }}},
		Mounts:    Mounts{{Path: "/ws", Handler: p}},
	})
	defer front.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(front.URL, "http")+"/ws/echo", &websocket.DialOptions{Subprotocols: []string{"echo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if resp.Header.Get("Sec-WebSocket-Protocol") != "echo" {
		t.Fatalf("subprotocol %q: the upgrade did not reach the origin", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	for _, msg := range []string{"hello", strings.Repeat("x", 100_000), ""} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		typ, b, err := c.Read(ctx)
		if err != nil || typ != websocket.MessageText || string(b) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(b), err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	if err := set.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
