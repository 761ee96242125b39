package lws

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/logging"
)

// lineEcho is a raw session that echoes each chunk, one at a time.
type lineEcho struct {
	buf     []byte
	pending bool
}

func (s *lineEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf, s.pending = append(s.buf[:0], in.Data...), true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (s *lineEcho) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	return c.Write(conn.Binary, s.buf)
}

// connsCounted is the number of connections the limits count.
func (c *Server) connsCounted() int {
	return c.limits.Conns()
}

// TestTLSRawFallbackLimitsStack serves a TLS vhost with a raw fallback
// under both connection limits: a ClientHello reaches HTTPS, a telnet line
// and a silent client reach the raw protocol, a failed handshake and a
// client that leaves at once are dropped, and every one of them gives its
// slot back, also those still open when Run shuts down.
func TestTLSRawFallbackLimitsStack(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	var sessions atomic.Int32
	c := New(&Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr), MaxConns: 10, MaxConnsPerIP: 3})
	v, err := c.NewVhost(VhostOptions{
		Listen: "127.0.0.1:0",
		Protocols: []*Protocol{{Name: "raw-echo", NewSession: func(*VhostProtocol, *conn.Conn) conn.Session {
			sessions.Add(1)
			return &lineEcho{}
		}}},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "tls "+r.Proto)
		}),
		TLS:         &TLSOptions{Certificates: []tls.Certificate{cert.TLS}},
		RawFallback: &RawFallback{Protocol: "raw-echo", Timeout: 200 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	addr := v.Addr().String()
	dial := func() net.Conn {
		t.Helper()
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		return nc
	}
	echo := func(nc net.Conn, msg string) {
		t.Helper()
		if _, err := io.WriteString(nc, msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(nc, got); err != nil || string(got) != msg {
			t.Fatalf("raw echo of %q: %q, %v", msg, got, err)
		}
	}
	idle := func(what string) {
		t.Helper()
		testwait.For(t, what, func() bool { return c.connsCounted() == 0 })
	}

	for round := range 3 { // more rounds than MaxConnsPerIP: a leaked slot shows
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}, DisableKeepAlives: true, ForceAttemptHTTP2: round == 1}
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(v.URL() + "/")
		if err != nil {
			t.Fatalf("round %d: https: %v", round, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		tr.CloseIdleConnections()
		if resp.StatusCode != 200 || string(body) != "tls "+resp.Proto {
			t.Fatalf("round %d: https: %d %q", round, resp.StatusCode, body)
		}

		nc := dial()
		echo(nc, "hello\r\n")
		echo(nc, "again\r\n")
		nc.Close()

		before := sessions.Load()
		nc = dial() // silent: the raw protocol gets it after the timeout
		testwait.For(t, "a silent client to reach the raw protocol", func() bool { return sessions.Load() > before })
		echo(nc, "GET / HTTP/1.1\r\n\r\n")
		nc.Close()

		nc = dial() // looks like TLS, is not: the handshake fails
		io.WriteString(nc, "\x16\x03\x01\x00\x05hello")
		io.Copy(io.Discard, nc)
		nc.Close()

		dial().Close() // gone before a byte

		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		wtr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}
		ws, _, err := websocket.Dial(wctx, "wss://"+addr+"/", &websocket.DialOptions{HTTPClient: &http.Client{Transport: wtr}})
		if err != nil {
			t.Fatalf("round %d: wss: %v", round, err)
		}
		ws.Write(wctx, websocket.MessageBinary, []byte("over wss"))
		if _, got, err := ws.Read(wctx); err != nil || string(got) != "over wss" {
			t.Fatalf("round %d: wss echo %q, %v", round, got, err)
		}
		ws.Close(websocket.StatusNormalClosure, "")
		wtr.CloseIdleConnections()
		wcancel()
		idle("every connection's slot to be given back")
	}

	// Shutdown with a raw connection open and one being sniffed.
	open := dial()
	defer open.Close()
	echo(open, "still here\r\n")
	sniffed := dial()
	defer sniffed.Close()
	testwait.For(t, "both connections to be counted", func() bool { return c.connsCounted() == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := c.connsCounted(); n != 0 {
		t.Fatalf("%d connections still counted after Run returned", n)
	}
}
