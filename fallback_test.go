package lws_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
)

func TestRawFallback(t *testing.T) {
	var sessions atomic.Int32
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:      "127.0.0.1:0",
		Protocols:   []*lws.Protocol{namedProtocol("chat"), rawEchoProtocol("raw-echo", "", &sessions)},
		HTTP:        http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("plain http")) }),
		RawFallback: &lws.RawFallback{Protocol: "raw-echo", Timeout: 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	addr := v.Addr().String()

	t.Run("telnet line", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		talk(t, nc, "hello\r\n", "hello\r\n")
		talk(t, nc, "again\r\n", "again\r\n")
	})
	t.Run("silent client", func(t *testing.T) {
		before := sessions.Load()
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		// Nothing is sent until the timeout has passed: poll the count of
		// raw sessions, which the fallback raises once it gives up.
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.Now().Add(10 * time.Second)
		for sessions.Load() == before {
			if time.Now().After(deadline) {
				t.Fatal("a silent client never reached the raw protocol")
			}
			<-tick.C
		}
		talk(t, nc, "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\n\r\n") // too late to be HTTP
	})
	t.Run("http on the same port", func(t *testing.T) {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(v.URL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := bufio.NewReader(resp.Body).ReadString(0)
		if resp.StatusCode != 200 || body != "plain http" {
			t.Fatalf("%d %q", resp.StatusCode, body)
		}
	})
	t.Run("websocket on the same port", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, lwstest.WS(v), &websocket.DialOptions{Subprotocols: []string{"chat"}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		if err := ws.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, got, err := ws.Read(ctx); err != nil || string(got) != "chat" {
			t.Fatalf("got %q, %v", got, err)
		}
		ws.Close(websocket.StatusNormalClosure, "")
	})
}

func TestRawFallbackErrors(t *testing.T) {
	protos := []*lws.Protocol{rawEchoProtocol("raw-echo", "", nil)}
	tests := []struct {
		name string
		opts []lws.VhostOptions // all made in order; the last must fail
		want string
	}{
		{"no listener", []lws.VhostOptions{{Protocols: protos, RawFallback: &lws.RawFallback{Protocol: "raw-echo"}}}, "needs a listener"},
		{"unknown protocol", []lws.VhostOptions{{Listen: "127.0.0.1:0", Protocols: protos, RawFallback: &lws.RawFallback{Protocol: "nope"}}}, `no protocol "nope"`},
		{"negative timeout", []lws.VhostOptions{{Listen: "127.0.0.1:0", Protocols: protos, RawFallback: &lws.RawFallback{Protocol: "raw-echo", Timeout: -1}}}, "negative"},
		{"two fallbacks on one listener", []lws.VhostOptions{
			{Name: "a", Listen: "127.0.0.1:47681", Protocols: protos, RawFallback: &lws.RawFallback{Protocol: "raw-echo"}},
			{Name: "b", Listen: "127.0.0.1:47681", Protocols: protos, RawFallback: &lws.RawFallback{Protocol: "raw-echo"}},
		}, `already falls back to raw for vhost "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lws.New(lwstest.Quiet())
			var err error
			for i, o := range tt.opts {
				_, err = c.NewVhost(o)
				if i < len(tt.opts)-1 && err != nil {
					t.Skipf("setting up: %v", err) // port taken by something else
				}
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			// Release the listeners: Run with an ended context.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := c.Run(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRawFallbackJoinByAddress joins a port-0 listener that falls back to
// raw by its actual address: a second fallback there must be refused, not
// silently replace the first.
func TestRawFallbackJoinByAddress(t *testing.T) {
	protos := []*lws.Protocol{rawEchoProtocol("raw-echo", "", nil)}
	c := lws.New(lwstest.Quiet())
	a, err := c.NewVhost(lws.VhostOptions{Name: "a", Listen: "127.0.0.1:0", Protocols: protos,
		RawFallback: &lws.RawFallback{Protocol: "raw-echo"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.NewVhost(lws.VhostOptions{Name: "b", Listen: a.Addr().String(), Protocols: protos,
		RawFallback: &lws.RawFallback{Protocol: "raw-echo"}})
	if err == nil || !strings.Contains(err.Error(), `already falls back to raw for vhost "a"`) {
		t.Fatalf("error %v, want the listener's fallback named", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
