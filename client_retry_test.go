package lws_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
)

// retryEvents records what a reconnecting client's sessions and callbacks
// saw.
type retryEvents struct {
	established chan *conn.Conn
	closed      chan error
	retries     chan error
	failures    atomic.Int32
}

func newRetryEvents() *retryEvents {
	return &retryEvents{established: make(chan *conn.Conn, 16), closed: make(chan error, 16), retries: make(chan error, 64)}
}

// clientVhost makes a client-side Server whose protocol reports to ev.
func (ev *retryEvents) clientVhost(t *testing.T, pingInterval time.Duration) *lws.Vhost {
	t.Helper()
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{{
		Name:         "lws-echo",
		PingInterval: pingInterval,
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &retrySession{ev: ev}
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	return v
}

func (ev *retryEvents) options(url string, r client.Retry) client.Options {
	r.OnRetry = func(_ *client.Client, _ int, _ time.Duration, err error) { ev.retries <- err }
	return client.Options{URL: url, Retry: &r, Timeout: time.Second,
		ConnectionError: func(*client.Client, error) { ev.failures.Add(1) }}
}

type retrySession struct {
	conn.NopSession
	ev *retryEvents
}

func (s *retrySession) Established(c *conn.Conn) error {
	s.ev.established <- c
	return nil
}

func (s *retrySession) Closed(_ *conn.Conn, err error) { s.ev.closed <- err }

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", what)
		panic("unreachable")
	}
}

// retryEchoServer serves lws-echo on addr until stop is called.
func retryEchoServer(t *testing.T, addr string) (url string, stop func()) {
	t.Helper()
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: addr, Protocols: []*lws.Protocol{lws.Plugin("lws-echo")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server Run: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return lwstest.WS(v), stop
}

// TestRetryServerComesBack checks lws's retry: a client whose server goes
// away is told (Closed, then a retry scheduled), keeps trying while
// nothing listens, and is established again with a new session when a
// server comes back on the same address.
func TestRetryServerComesBack(t *testing.T) {
	url, stop := retryEchoServer(t, "127.0.0.1:0")
	addr := url[len("ws://"):]
	ev := newRetryEvents()
	cv := ev.clientVhost(t, 0)
	h, err := client.Connect(cv, ev.options(url, client.Retry{Delays: []time.Duration{20 * time.Millisecond}}))
	if err != nil {
		t.Fatal(err)
	}
	first := recv(t, ev.established, "first connection")
	if _, err := h.Connected(context.Background()); err != nil {
		t.Fatalf("Wait: %v", err)
	}

	stop() // the server goes away: its shutdown closes the connection with 1001
	// (or cuts it, if it stops before its side of the connection started)
	if err := recv(t, ev.closed, "Closed"); err == nil {
		t.Fatal("Closed got nil when the server went away")
	}
	recv(t, ev.retries, "a retry after the server went away")
	recv(t, ev.retries, "a retry while nothing listens")

	_, stop2 := retryEchoServer(t, addr) // back on the same address
	defer stop2()
	second := recv(t, ev.established, "the connection again")
	if second == first {
		t.Fatal("the same connection was established twice")
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.Conn() != second { // set once Connect's attempt has returned, maybe after Established
		if time.Now().After(deadline) {
			t.Fatal("Client.Conn is not the new connection")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	h.Close()
	if err := recv(t, ev.closed, "Closed after Close"); err == nil {
		t.Fatal("Closed got nil")
	}
	recv(t, h.Done(), "Done after Close")
}

// TestRetryValidityPing checks that a validity ping that finds the server
// silent ends the connection and makes the client reconnect.
func TestRetryValidityPing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go silentWebSocketServer(ln)

	ev := newRetryEvents()
	cv := ev.clientVhost(t, 50*time.Millisecond)
	h, err := client.Connect(cv, ev.options("ws://"+ln.Addr().String()+"/", client.Retry{Delays: []time.Duration{10 * time.Millisecond}}))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	recv(t, ev.established, "the connection")
	if err := recv(t, ev.closed, "Closed"); !errors.Is(err, conn.ErrPongTimeout) {
		t.Fatalf("Closed got %v, want ErrPongTimeout", err)
	}
	if err := recv(t, ev.retries, "a retry"); !errors.Is(err, conn.ErrPongTimeout) {
		t.Fatalf("retry scheduled for %v", err)
	}
	recv(t, ev.established, "the connection again")
}

// silentWebSocketServer completes the WebSocket handshake of each
// connection and then neither reads nor writes, until ln is closed.
func silentWebSocketServer(ln net.Listener) {
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		held = append(held, c)
		r, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			continue
		}
		sum := sha1.Sum([]byte(r.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n"
		if p := r.Header.Get("Sec-WebSocket-Protocol"); p != "" {
			resp += "Sec-WebSocket-Protocol: " + p + "\r\n"
		}
		c.Write([]byte(resp + "\r\n"))
	}
}

// TestRetryConcealAndLimit checks that failures within Conceal are not
// reported, that the client gives up after Limit attempts with Done and
// the error, and that Close in the middle of a backoff ends the client at
// once (goleak checks nothing is left).
func TestRetryConcealAndLimit(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/"
	ln.Close() // nothing listens there now

	ev := newRetryEvents()
	cv := ev.clientVhost(t, 0)
	h, err := client.Connect(cv, ev.options(url, client.Retry{Delays: []time.Duration{time.Millisecond}, Conceal: 2, Limit: 4}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Connected(context.Background()); err == nil {
		t.Fatal("Wait: no error after the limit")
	}
	if n := ev.failures.Load(); n != 2 {
		t.Fatalf("ConnectionError called %d times for 4 failures with Conceal 2, want 2", n)
	}

	ev2 := newRetryEvents()
	h2, err := client.Connect(cv, ev2.options(url, client.Retry{Delays: []time.Duration{time.Hour}}))
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ev2.retries, "the first retry scheduled")
	h2.Close() // in the middle of an hour's backoff
	recv(t, h2.Done(), "Done after Close during a backoff")
}
