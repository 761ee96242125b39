package mux_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // extended CONNECT in Go's HTTP/2 server
	"github.com/golws/lws/mux"
)

// closedSession is a client session that reports when its connection ends.
type closedSession struct{ closed chan error }

func (s *closedSession) Receive(*conn.Conn, conn.Chunk) error { return nil }
func (s *closedSession) Writeable(*conn.Conn) error           { return nil }
func (s *closedSession) Closed(_ *conn.Conn, err error)       { s.closed <- err }

// TestH2WebSocketsPanicAfterHijack: a handler that hijacks a WebSocket over
// HTTP/2, hands the stream to a goroutine that writes to it and panics,
// under a middleware that recovers. The stream is closed before the panic
// goes on, so the goroutine's write once the stream has ended gets an
// error instead of writing after the handler finished (net/http's "Write called after Handler finished", a panic on a
// goroutine nothing recovers, which would end the process), and the
// client's WebSocket ends.
func TestH2WebSocketsPanicAfterHijack(t *testing.T) {
	errBoom := errors.New("boom after hijack")
	writing := make(chan struct{})
	stopped := make(chan error, 1)
	panicked := make(chan any, 1)
	clientGone := make(chan struct{})
	h := mux.H2WebSockets(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusSwitchingProtocols)
		nc, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		go func() {
			frame := []byte{0x82, 1, 'x'} // a one-byte binary message
			if _, err := nc.Write(frame); err != nil {
				t.Errorf("first write: %v", err)
			}
			close(writing)
			<-clientGone // the stream has ended: the handler finished
			_, err := nc.Write(frame)
			stopped <- err
		}()
		<-writing
		panic(errBoom)
	}))
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A recovering middleware: the handler returns normally after the
		// panic, and net/http finishes the response writer.
		defer func() { panicked <- recover() }()
		h.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	ws, _, err := conn.DialWebSocketH2(ctx, "ws://"+srv.Listener.Addr().String()+"/", hc, nil)
	if err != nil {
		t.Fatalf("dial over HTTP/2: %v", err)
	}
	s := &closedSession{closed: make(chan error, 1)}
	if _, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session { return s }, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-panicked:
		if p != errBoom {
			t.Fatalf("the handler panicked with %v, want %v", p, errBoom)
		}
	case <-ctx.Done():
		t.Fatal("the handler did not panic")
	}
	select {
	case <-s.closed:
	case <-ctx.Done():
		t.Fatal("the client's WebSocket did not end")
	}
	close(clientGone)
	select {
	case err := <-stopped:
		if err == nil {
			t.Fatal("a write to the stream after the panic succeeded")
		}
	case <-ctx.Done():
		t.Fatal("a write to the stream after the panic did not return")
	}
}
