package lws_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/plugins/echo"
)

// TestMountedMode runs a Server inside someone else's http.Server, with
// Start and Close instead of Run: WebSockets through the mounted Handler,
// Wake, an adopted listener and a raw dial all work, and Close ends the
// connections (1001), closes the adopted listener and runs Destroy.
func TestMountedMode(t *testing.T) {
	var woken, destroyed atomic.Int32
	wakeful := &lws.Protocol{
		Name:       echo.Name,
		NewSession: echo.Protocol.NewSession,
		Wake:       func(*lws.VhostProtocol) { woken.Add(1) },
		Destroy:    func(*lws.VhostProtocol) { destroyed.Add(1) },
	}
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{wakeful, rawEchoProtocol("raw-echo", "hi", nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != lws.ErrRunning {
		t.Fatalf("second Start: %v, want ErrRunning", err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	closed := false
	defer func() {
		if !closed {
			srv.Close()
		}
	}()

	// A WebSocket through the mounted handler.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), &websocket.DialOptions{Subprotocols: []string{echo.Name}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte("mounted"))
	if _, b, err := ws.Read(ctx); err != nil || string(b) != "mounted" {
		t.Fatalf("echo %q, %v", b, err)
	}

	// Wake reaches the protocol's Wake callback.
	srv.Wake()
	testwait.For(t, "Wake", func() bool { return woken.Load() > 0 })

	// An adopted listener accepts for the raw protocol.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AdoptListener(ln, "raw-echo"); err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	talk(t, nc, "", "hi")
	talk(t, nc, "ping", "ping")

	// A raw dial is made: the dialled peer is greeted.
	peer, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if err := v.DialRaw(ctx, peer.Addr().String(), "raw-echo"); err != nil {
		t.Fatal(err)
	}
	pc, err := peer.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	talk(t, pc, "", "hi")

	// Close: every connection ends, the adopted listener closes, Destroy runs.
	readErr := make(chan error, 1) // the peer answers the close handshake
	go func() { _, _, err := ws.Read(ctx); readErr <- err }()
	closed = true
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-readErr; websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("after Close the WebSocket read %v, want close 1001", err)
	}
	expectEOF(t, nc)
	expectEOF(t, pc)
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Fatal("the adopted listener still accepts after Close")
	}
	if n := destroyed.Load(); n != 1 {
		t.Fatalf("Destroy ran %d times, want 1", n)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := srv.Start(); err != lws.ErrStopped {
		t.Fatalf("Start after Close: %v, want ErrStopped", err)
	}
	if err := v.DialRaw(ctx, peer.Addr().String(), "raw-echo"); err == nil {
		t.Fatal("DialRaw after Close succeeded")
	}
}

// TestCloseWithoutStart: a Server that never started closes the sockets
// its vhosts opened and runs Destroy.
func TestCloseWithoutStart(t *testing.T) {
	var destroyed atomic.Int32
	p := &lws.Protocol{Name: "p", NewSession: echo.Protocol.NewSession, Destroy: func(*lws.VhostProtocol) { destroyed.Add(1) }}
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	addr := v.Addr().String()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("the vhost's listener still accepts after Close")
	}
	if destroyed.Load() != 1 {
		t.Fatalf("Destroy ran %d times, want 1", destroyed.Load())
	}
}

// TestMountedH2WebSocket: a Server mounted into someone else's h2c server
// takes WebSockets over HTTP/2 streams through Handler and through a Vhost,
// as its own listeners do (this test binary imports package h2ws).
func TestMountedH2WebSocket(t *testing.T) {
	for _, through := range []string{"Handler", "Vhost"} {
		t.Run(through, func(t *testing.T) {
			pe := &peerEcho{}
			srv := lws.New(lwstest.Quiet())
			v, err := srv.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{pe.protocol()}})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			var h http.Handler = srv.Handler()
			if through == "Vhost" {
				routes := http.NewServeMux()
				routes.Handle("/ws/", v)
				h = routes
			}
			hs := httptest.NewUnstartedServer(h)
			hs.Config.Protocols = new(http.Protocols)
			hs.Config.Protocols.SetHTTP1(true)
			hs.Config.Protocols.SetUnencryptedHTTP2(true)
			hs.Start()
			defer hs.Close()

			cs := newClientSide(t)
			hc, err := client.Connect(cs.vh, client.Options{URL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws/", HTTP2: true, Subprotocols: []string{"echo"}})
			if err != nil {
				t.Fatal(err)
			}
			c, err := wait(t, hc)
			if err != nil {
				t.Fatal(err)
			}
			if r := hc.Response(); r.ProtoMajor != 2 {
				t.Fatalf("handshake over %s, want HTTP/2", r.Proto)
			}
			cs.expect(t, "response")
			cs.expect(t, "established")
			cs.send <- []byte("over a stream")
			c.RequestWritable()
			if got := cs.body(t); string(got) != "over a stream" {
				t.Fatalf("echo %q", got)
			}
			c.Close(conn.StatusNormal, "")
			cs.expect(t, "closed")
		})
	}
}
