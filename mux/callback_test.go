package mux

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testwait"
)

// cbServer serves a callback mount at /cb whose sessions come from
// newSession, over HTTP/1.1 or HTTP/2 over TLS. ln, if not nil, is the
// listener to serve on. The returned Set tracks the connections.
func cbServer(t *testing.T, h2 bool, ln net.Listener, newSession func(*conn.Conn) conn.Session) (*httptest.Server, *conn.Set) {
	t.Helper()
	set := new(conn.Set)
	cb := &Callback{Protocol: "test", Logger: quiet, Adopt: func(tr conn.Transport, info *conn.Info) (*conn.Conn, error) {
		return conn.Start(tr, info, newSession, &conn.Options{Set: set})
	}}
	srv := httptest.NewUnstartedServer(&Vhost{Mounts: Mounts{{Path: "/cb", Handler: cb}}})
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := set.Wait(ctx); err != nil {
			t.Errorf("callback connections did not end: %v", err)
		}
	})
	return srv, set
}

// answerSession reads the whole body, then answers with a header and one
// body write saying what it received.
type answerSession struct {
	n      int64
	sum    [sha256.Size]byte
	hasher interface {
		io.Writer
		Sum([]byte) []byte
	}
	chunks, firsts int
	step           int
}

func newAnswer(*conn.Conn) conn.Session { return &answerSession{hasher: sha256.New()} }

func (s *answerSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.chunks++
	if in.First {
		s.firsts++
	}
	s.n += int64(len(in.Data))
	s.hasher.Write(in.Data)
	if in.Final {
		copy(s.sum[:], s.hasher.Sum(nil))
		c.RequestWritable()
	}
	return nil
}

func (s *answerSession) Writeable(c *conn.Conn) error {
	r := HTTPRequest(c)
	switch s.step {
	case 0:
		s.step++
		c.RequestWritable()
		return c.WriteHeader(http.StatusOK, http.Header{"Content-Type": {"text/plain"}, "X-Method": {r.Method}})
	case 1:
		s.step++
		c.Close(conn.StatusNormal, "")
		return c.Write(conn.Text, fmt.Appendf(nil, "%s %s %d %x firsts=%d", r.Method, r.URL.Path, s.n, s.sum, s.firsts))
	}
	return nil
}

func TestCallbackAnswers(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, h2 := range []bool{false, true} {
		srv, _ := cbServer(t, h2, nil, newAnswer)
		client := srv.Client()
		for _, tt := range []struct {
			method string
			body   []byte
		}{
			{"GET", nil},
			{"POST", []byte("a=1&b=2")},
			{"PUT", big},
		} {
			t.Run(fmt.Sprintf("h2=%t %s %d", h2, tt.method, len(tt.body)), func(t *testing.T) {
				req, _ := http.NewRequest(tt.method, srv.URL+"/cb/x", bytes.NewReader(tt.body))
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				want := fmt.Sprintf("%s /cb/x %d %x firsts=1", tt.method, len(tt.body), sha256.Sum256(tt.body))
				if err != nil || string(b) != want || resp.Header.Get("X-Method") != tt.method {
					t.Fatalf("got %q (%v), X-Method %q; want %q", b, err, resp.Header.Get("X-Method"), want)
				}
			})
		}
	}
}

// TestCallbackKeepAlive checks a completed callback request leaves its
// HTTP/1 connection reusable.
func TestCallbackKeepAlive(t *testing.T) {
	srv, _ := cbServer(t, false, nil, newAnswer)
	var reused []bool
	for range 3 {
		trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", srv.URL+"/cb", strings.NewReader("x"))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if fmt.Sprint(reused) != "[false true true]" {
		t.Fatalf("connection reused: %v", reused)
	}
}

// failSession fails in its first or second writeable.
type failSession struct {
	afterHeader bool
	step        int
}

func (s *failSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.Final {
		c.RequestWritable()
	}
	return nil
}

func (s *failSession) Writeable(c *conn.Conn) error {
	if s.afterHeader && s.step == 0 {
		s.step++
		c.RequestWritable()
		return c.WriteHeader(200, http.Header{"Content-Length": {"100"}})
	}
	return errors.New("session failed")
}

func TestCallbackErrors(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		srv, _ := cbServer(t, h2, nil, func(*conn.Conn) conn.Session { return &failSession{} })
		resp, err := srv.Client().Get(srv.URL + "/cb")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 500 {
			t.Errorf("h2=%t: error before the header: status %d, want 500", h2, resp.StatusCode)
		}
		srv, _ = cbServer(t, h2, nil, func(*conn.Conn) conn.Session { return &failSession{afterHeader: true} })
		resp, err = srv.Client().Get(srv.URL + "/cb")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || err == nil {
			t.Errorf("h2=%t: error after the header: status %d, body error %v; want 200 and a cut-off", h2, resp.StatusCode, err)
		}
	}
	// Unbound, and refused by Adopt.
	for _, tt := range []struct {
		cb   *Callback
		want int
	}{
		{&Callback{Protocol: "p", Logger: quiet}, 500},
		{&Callback{Protocol: "p", Logger: quiet, Adopt: func(conn.Transport, *conn.Info) (*conn.Conn, error) { return nil, conn.ErrClosed }}, 503},
	} {
		w := httptest.NewRecorder()
		tt.cb.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != tt.want {
			t.Errorf("status %d, want %d", w.Code, tt.want)
		}
	}
}

// streamSession writes pieces forever (until the client goes away) or n of
// them, counting those the transport took.
type streamSession struct {
	n       int
	written *atomic.Int64
	piece   []byte
	started bool
}

func (s *streamSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.Final {
		c.RequestWritable()
	}
	return nil
}

func (s *streamSession) Writeable(c *conn.Conn) error {
	if !s.started {
		s.started = true
		c.RequestWritable()
		return c.WriteHeader(200, http.Header{"Content-Type": {"application/octet-stream"}})
	}
	if s.n > 0 && s.written.Load() == int64(s.n) {
		c.Close(conn.StatusNormal, "")
		return nil
	}
	if err := c.Write(conn.Binary, s.piece); err != nil {
		return err
	}
	s.written.Add(1)
	c.RequestWritable()
	return nil
}

// TestCallbackH2Window shows the response is written as the HTTP/2 stream's
// send window allows: a client that reads nothing gets about one window of
// data and the session's writes stop; reading resumes them.
func TestCallbackH2Window(t *testing.T) {
	const (
		piece  = 4 << 10
		pieces = 64
		window = 16 << 10 // the client's per-stream receive window
	)
	var written atomic.Int64
	srv, _ := cbServer(t, true, nil, func(*conn.Conn) conn.Session {
		return &streamSession{n: pieces, written: &written, piece: bytes.Repeat([]byte{'w'}, piece)}
	})
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.HTTP2 = &http.HTTP2Config{MaxReceiveBufferPerStream: window}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	resp, err := client.Get(srv.URL + "/cb")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("served over %s", resp.Proto)
	}
	stalled := testwait.Stall(t, "writes to a client that reads nothing", written.Load, 150*time.Millisecond, 5*time.Second)
	// One window, plus the piece the server's write buffer holds and the
	// one blocked in flight.
	if bound := int64(window/piece + 2); stalled > bound || stalled == 0 {
		t.Fatalf("%d pieces written to a client that read nothing; want 1..%d", stalled, bound)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != piece*pieces || written.Load() != pieces {
		t.Fatalf("read %d bytes (%v), %d pieces written; want %d, %d", n, err, written.Load(), piece*pieces, pieces)
	}
	t.Logf("stalled at %d pieces of %d bytes with a %d-byte window", stalled, piece, window)
}

// TestCallbackClientGoesAway checks a client that leaves in the middle of
// an endless response ends the connection.
func TestCallbackClientGoesAway(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		var written atomic.Int64
		srv, set := cbServer(t, h2, nil, func(*conn.Conn) conn.Session {
			return &streamSession{written: &written, piece: make([]byte, 1<<10)}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/cb", nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 10<<10)); err != nil {
			t.Fatal(err)
		}
		cancel() // the client leaves
		resp.Body.Close()
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := set.Wait(wctx); err != nil {
			t.Fatalf("h2=%t: connection outlived its client: %v", h2, err)
		}
		wcancel()
	}
}

// holdSession keeps rx off until told, then counts the body.
type holdSession struct {
	got *atomic.Int64
	sum []byte
	h   interface {
		io.Writer
		Sum([]byte) []byte
	}
	conn chan<- *conn.Conn
	done bool
}

func (s *holdSession) Established(c *conn.Conn) error {
	c.SetRx(false)
	s.conn <- c
	return nil
}

func (s *holdSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.got.Add(int64(len(in.Data)))
	s.h.Write(in.Data)
	if in.Final {
		s.sum = s.h.Sum(nil)
		c.RequestWritable()
	}
	return nil
}

func (s *holdSession) Writeable(c *conn.Conn) error {
	if s.sum == nil || s.done {
		return nil
	}
	s.done = true
	c.Close(conn.StatusNormal, "")
	return c.Write(conn.Text, fmt.Appendf(nil, "%x", s.sum))
}

// smallBuffers sets a socket's send and receive buffers small, so a
// stalled transfer shows after a few hundred KiB instead of megabytes.
func smallBuffers(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		if serr == nil {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 16<<10)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// TestCallbackRxFlowControl shows that while the session has rx off the
// body is not read and the client's upload stalls; turning rx on lets the
// whole body through.
func TestCallbackRxFlowControl(t *testing.T) {
	const (
		total      = 16 << 20
		stallBound = 4 << 20
	)
	ln, err := (&net.ListenConfig{Control: smallBuffers}).Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int64
	conns := make(chan *conn.Conn, 1)
	srv, _ := cbServer(t, false, ln, func(*conn.Conn) conn.Session {
		return &holdSession{got: &got, h: sha256.New(), conn: conns}
	})

	var sent atomic.Int64
	body := &countingReader{r: io.LimitReader(zeros{}, total), n: &sent}
	tr := &http.Transport{DialContext: (&net.Dialer{Control: smallBuffers}).DialContext}
	defer tr.CloseIdleConnections()
	type result struct {
		b   []byte
		err error
	}
	res := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", srv.URL+"/cb", body)
		req.ContentLength = total
		resp, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{b, err}
	}()
	var c *conn.Conn
	select {
	case c = <-conns:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	stalled := testwait.Stall(t, "upload while rx is off", sent.Load, 200*time.Millisecond, 10*time.Second)
	if stalled > stallBound || got.Load() != 0 {
		t.Fatalf("client sent %d bytes, session received %d while rx was off; want < %d and 0", stalled, got.Load(), stallBound)
	}
	t.Logf("upload stalled at %d bytes with rx off", stalled)
	c.SetRx(true)
	r := <-res
	zsum := sha256.New()
	io.Copy(zsum, io.LimitReader(zeros{}, total))
	if r.err != nil || string(r.b) != fmt.Sprintf("%x", zsum.Sum(nil)) || got.Load() != total {
		t.Fatalf("after rx on: %q, %v; received %d of %d", r.b, r.err, got.Load(), total)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// earlySession answers 413 before reading the body, as a session refusing
// an upload does.
type earlySession struct{ conn.NopSession }

func (earlySession) Established(c *conn.Conn) error {
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (earlySession) Writeable(c *conn.Conn) error {
	if err := c.WriteHeader(http.StatusRequestEntityTooLarge, http.Header{"Content-Length": {"0"}}); err != nil {
		return err
	}
	c.Close(conn.StatusNormal, "")
	return nil
}

// TestCallbackEarlyAnswerClosesConnection: an answer sent before the body
// was read says Connection: close, so a client never sends its next request
// on a connection whose unread body is about to be cut.
func TestCallbackEarlyAnswerClosesConnection(t *testing.T) {
	srv, _ := cbServer(t, false, nil, func(*conn.Conn) conn.Session { return earlySession{} })
	body := strings.Repeat("u", 1<<20)
	for i := range 5 {
		resp, err := srv.Client().Post(srv.URL+"/cb", "application/octet-stream", strings.NewReader(body))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("request %d: %s, close %v", i, resp.Status, resp.Close)
		}
	}
}
