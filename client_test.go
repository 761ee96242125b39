package lws_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/echo"
)

// echoServer runs a golws server with the echo protocol on a loopback port.
func echoServer(t *testing.T, o lws.VhostOptions) *lws.Vhost {
	t.Helper()
	c := lws.New(lwstest.Quiet())
	o.Listen = "127.0.0.1:0"
	if o.Protocols == nil {
		o.Protocols = []*lws.Protocol{echo.Protocol}
	}
	v, err := c.NewVhost(o)
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	return v
}

func TestWebSocketClientEcho(t *testing.T) {
	srv := echoServer(t, lws.VhostOptions{})
	cs := newClientSide(t)
	h, err := client.Connect(cs.vh, client.Options{
		URL:          lwstest.WS(srv),
		Subprotocols: []string{echo.Name},
		Header:       http.Header{"X-Test": {"1"}},
		Value:        "mine",
		Timeout:      200 * time.Millisecond,
		RxBufferSize: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	e := cs.expect(t, "response")
	if e.resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", e.resp.StatusCode)
	}
	c := cs.expect(t, "established").c
	if client.Of(c) != h || h.Value() != "mine" {
		t.Fatalf("client.Of gives %p, want %p", client.Of(c), h)
	}
	if got, _ := wait(t, h); got != c {
		t.Fatalf("Wait gave %v, want the established conn", got)
	}
	if c.Info().Subprotocol != echo.Name || c.Info().RemoteAddr != srv.Addr().String() {
		t.Fatalf("info %+v", c.Info())
	}
	// The 200 ms connect timeout must not reach the established
	// connection: talk after it has long passed.
	<-time.After(400 * time.Millisecond)
	for _, n := range []int{1, 999, 1000, 1001, 70_000} {
		msg := bytes.Repeat([]byte{byte(n)}, n)
		cs.send <- msg
		c.RequestWritable()
		got := cs.body(t)
		if !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes came back as %d bytes", n, len(got))
		}
	}
	h.Close()
	var ce *conn.CloseError
	if e := cs.expect(t, "closed"); e.err != nil && !(errors.As(e.err, &ce) && ce.Code == conn.StatusNormal) {
		t.Fatalf("closed with %v", e.err)
	}
}

func TestWebSocketClientCompression(t *testing.T) {
	pmd := *echo.Protocol
	pmd.Compression = mux.Compression{Mode: mux.CompressionNoContextTakeover}
	srv := echoServer(t, lws.VhostOptions{Protocols: []*lws.Protocol{&pmd}})
	cs := newClientSide(t)
	h, err := client.Connect(cs.vh, client.Options{
		URL:          lwstest.WS(srv),
		Subprotocols: []string{},
		Compression:  mux.Compression{Mode: mux.CompressionNoContextTakeover},
	})
	if err != nil {
		t.Fatal(err)
	}
	cs.expect(t, "response")
	c := cs.expect(t, "established").c
	if ext := h.Response().Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("extensions %q", ext)
	}
	msg := bytes.Repeat([]byte("compress me "), 1000)
	cs.send <- msg
	c.RequestWritable()
	if got := cs.body(t); !bytes.Equal(got, msg) {
		t.Fatalf("echo differs: %d bytes", len(got))
	}
}

// failingResolver resolves nothing, without leaving the machine.
var failingResolver = &net.Resolver{
	PreferGo: true,
	Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return nil, errors.New("no DNS in this test")
	},
}

func TestConnectErrors(t *testing.T) {
	srv := echoServer(t, lws.VhostOptions{})
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake errors are the point
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	silent := silentListener(t)
	closed := closedPort(t)

	tests := []struct {
		name   string
		o      client.Options
		want   client.ConnectFailure
		status int
		is     error
	}{
		{"ws refused", client.Options{URL: "ws://" + closed}, client.ConnectRefused, 0, syscall.ECONNREFUSED},
		{"http refused", client.Options{URL: "http://" + closed}, client.ConnectRefused, 0, syscall.ECONNREFUSED},
		{"ws dns", client.Options{URL: "ws://no-such-host.invalid/", Dialer: &net.Dialer{Resolver: failingResolver}}, client.ConnectDNS, 0, nil},
		{"https dns", client.Options{URL: "https://no-such-host.invalid/", Dialer: &net.Dialer{Resolver: failingResolver}}, client.ConnectDNS, 0, nil},
		{"wss untrusted", client.Options{URL: "wss://" + tlsHost}, client.ConnectTLS, 0, nil},
		{"https untrusted", client.Options{URL: "https://" + tlsHost}, client.ConnectTLS, 0, nil},
		{"wss to a plain server", client.Options{URL: "wss://" + srv.Addr().String()}, client.ConnectTLS, 0, nil},
		{"ws rejected: origin", client.Options{URL: lwstest.WS(srv), Subprotocols: []string{}, Origin: "http://elsewhere.example"}, client.ConnectRejected, http.StatusForbidden, nil},
		{"ws rejected: subprotocol", client.Options{URL: lwstest.WS(srv), Subprotocols: []string{"x-unknown"}}, client.ConnectRejected, http.StatusBadRequest, nil},
		{"ws to a TLS server", client.Options{URL: "ws" + strings.TrimPrefix(tlsSrv.URL, "https")}, client.ConnectRejected, http.StatusBadRequest, nil},
		{"ws to a plain HTTP server", client.Options{URL: "ws" + strings.TrimPrefix(plain.URL, "http")}, client.ConnectRejected, http.StatusNotFound, nil},
		{"ws timeout", client.Options{URL: "ws://" + silent, Timeout: 100 * time.Millisecond}, client.ConnectTimeout, 0, context.DeadlineExceeded},
		{"http timeout", client.Options{URL: "http://" + silent, Timeout: 100 * time.Millisecond}, client.ConnectTimeout, 0, context.DeadlineExceeded},
		{"wss timeout in TLS", client.Options{URL: "wss://" + silent, Timeout: 100 * time.Millisecond}, client.ConnectTimeout, 0, context.DeadlineExceeded},
	}
	cs := newClientSide(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type failure struct {
				h   *client.Client
				err error
			}
			failed := make(chan failure, 1)
			tt.o.Value = tt.name
			tt.o.ConnectionError = func(h *client.Client, err error) { failed <- failure{h, err} }
			h, err := client.Connect(cs.vh, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			f := <-failed
			if f.h != h || f.h.Value() != tt.name {
				t.Fatalf("error callback for attempt %p (%v), want %p", f.h, f.h.Value(), h)
			}
			if _, err := wait(t, h); err != f.err {
				t.Fatalf("Wait gave %v, the callback %v", err, f.err)
			}
			var ce *client.ConnectError
			if !errors.As(f.err, &ce) {
				t.Fatalf("error %T %v is not a *ConnectError", f.err, f.err)
			}
			if ce.Failure != tt.want || ce.StatusCode != tt.status {
				t.Fatalf("got %v (HTTP %d): %v; want %v (HTTP %d)", ce.Failure, ce.StatusCode, f.err, tt.want, tt.status)
			}
			if tt.is != nil && !errors.Is(f.err, tt.is) {
				t.Fatalf("%v is not %v", f.err, tt.is)
			}
			if h.Conn() != nil {
				t.Fatal("a failed attempt has a connection")
			}
		})
	}
	if len(cs.ev) != 0 {
		t.Fatalf("failed attempts made sessions: %v", (<-cs.ev).kind)
	}
}

func TestConnectTLSTrusted(t *testing.T) {
	// A wss echo server: golws's vhost behind an httptest TLS listener.
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	srv := httptest.NewTLSServer(v)
	t.Cleanup(srv.Close)
	srv.Config.RegisterOnShutdown(func() { c.Shutdown(context.Background()) })
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	cs := newClientSide(t)
	h, err := client.Connect(cs.vh, client.Options{
		URL:          "wss" + strings.TrimPrefix(srv.URL, "https"),
		Subprotocols: []string{echo.Name},
		TLSConfig:    &tls.Config{RootCAs: pool},
	})
	if err != nil {
		t.Fatal(err)
	}
	cc := cs.expect(t, "response").c
	cs.expect(t, "established")
	cs.send <- []byte("over tls")
	cc.RequestWritable()
	if got := cs.body(t); string(got) != "over tls" {
		t.Fatalf("got %q", got)
	}
	h.Close()
	cs.expect(t, "closed")
}

func TestConnectOptionErrors(t *testing.T) {
	cs := newClientSide(t)
	tests := []struct {
		name string
		o    client.Options
		want string
	}{
		{"bad scheme", client.Options{URL: "ftp://127.0.0.1/"}, "scheme"},
		{"no host", client.Options{URL: "ws:///x"}, "no host"},
		{"unparsable", client.Options{URL: "ws://[::1"}, "connect"},
		{"unknown protocol", client.Options{URL: "ws://127.0.0.1:1/", Protocol: "nope"}, `no protocol "nope"`},
		{"bad method", client.Options{URL: "http://127.0.0.1:1/", Method: "GE T"}, "method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := client.Connect(cs.vh, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, %v; want an error containing %q", h, err, tt.want)
			}
		})
	}
}

func TestClientCloseCancelsAttempt(t *testing.T) {
	cs := newClientSide(t)
	failed := make(chan error, 1)
	h, err := client.Connect(cs.vh, client.Options{
		URL:             "ws://" + silentListener(t),
		ConnectionError: func(_ *client.Client, err error) { failed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	var ce *client.ConnectError
	if err := <-failed; !errors.As(err, &ce) || ce.Failure != client.ConnectCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}

// TestClientShutdown: Run's end closes established client connections with
// 1001 and cancels pending attempts, and Run waits for both.
func TestClientShutdown(t *testing.T) {
	srv := echoServer(t, lws.VhostOptions{})
	silent := silentListener(t)
	ev := make(chan event, 16)
	p := &lws.Protocol{
		Name:       "client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &recorder{ev: ev} },
	}
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	up, err := client.Connect(v, client.Options{URL: lwstest.WS(srv), Subprotocols: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait(t, up); err != nil {
		t.Fatal(err)
	}
	failed := make(chan error, 1)
	if _, err := client.Connect(v, client.Options{
		URL:             "ws://" + silent,
		ConnectionError: func(_ *client.Client, err error) { failed <- err },
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Connect(v, client.Options{URL: "http://" + silent, Timeout: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if v.Protocol("client").Len() != 1 {
		t.Fatalf("%d tracked connections, want 1", v.Protocol("client").Len())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var ce *client.ConnectError
	if err := <-failed; !errors.As(err, &ce) || ce.Failure != client.ConnectCanceled {
		t.Fatalf("pending attempt ended with %v", err)
	}
	var closed *event
	for len(ev) > 0 {
		if e := <-ev; e.kind == "closed" {
			closed = &e
		}
	}
	var cl *conn.CloseError
	if closed == nil {
		t.Fatal("the established client connection did not close")
	} else if errors.As(closed.err, &cl) && cl.Code != conn.StatusGoingAway {
		t.Fatalf("closed with %v", closed.err)
	}
	if _, err := client.Connect(v, client.Options{URL: lwstest.WS(srv)}); !errors.Is(err, client.ErrShutdown) {
		t.Fatalf("Connect after shutdown: %v", err)
	}
}
