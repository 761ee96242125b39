package conn_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/golws/lws/conn"
)

// bigOnAsk is a server session that answers "big" with a message of
// bigOnAskSize bytes and echoes anything else.
type bigOnAsk struct {
	mu      sync.Mutex
	pending [][]byte
	cur     []byte
}

const bigOnAskSize = 512 << 10

func (b *bigOnAsk) Receive(c *conn.Conn, in conn.Chunk) error {
	b.cur = append(b.cur, in.Data...)
	if !in.Final {
		return nil
	}
	msg := b.cur
	b.cur = nil
	if string(msg) == "big" {
		msg = bytes.Repeat([]byte{'b'}, bigOnAskSize)
	}
	b.mu.Lock()
	b.pending = append(b.pending, msg)
	b.mu.Unlock()
	c.RequestWritable()
	return nil
}

func (b *bigOnAsk) Writeable(c *conn.Conn) error {
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.mu.Unlock()
		return nil
	}
	msg := b.pending[0]
	b.pending = b.pending[1:]
	more := len(b.pending) > 0
	b.mu.Unlock()
	if more {
		c.RequestWritable()
	}
	return c.Write(conn.Binary, msg)
}

func (b *bigOnAsk) Closed(*conn.Conn, error) {}

// TestH2ClientStalledStreamsHoldNoOthers: WebSockets whose client side has
// rx off hold, together, more than the client connection's receive window
// of unread DATA; another WebSocket on the same connection still echoes,
// as the connection's window is given back as DATA arrives, not as it is
// read. Once rx is on again, everything arrives.
func TestH2ClientStalledStreamsHoldNoOthers(t *testing.T) {
	const stalled = 72 // × the 256 KiB stream window: 18 MiB, past the 16 MiB connection window
	var (
		mu      sync.Mutex
		servers []*conn.Conn
	)
	s := startH2Server(t, false, func(c *conn.Conn) conn.Session {
		mu.Lock()
		servers = append(servers, c)
		mu.Unlock()
		return &bigOnAsk{}
	}, conn.Options{}, nil)
	cs := make([]*conn.Conn, stalled)
	ms := make([]*msgClient, stalled)
	for i := range cs {
		cs[i], ms[i] = dialH2(t, s, nil)
		cs[i].SetRx(false)
		ms[i].send(cs[i], []byte("big"))
	}
	// Every server side blocks in its write: its stream's window (or, before
	// the fix, the connection's) is full.
	waitFor(t, "the server's writes to block", func() bool {
		mu.Lock()
		defer mu.Unlock()
		if len(servers) != stalled {
			return false
		}
		for _, sc := range servers {
			if sc.WriteAllowance() != 0 {
				return false
			}
		}
		return true
	})
	c, m := dialH2(t, s, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.send(c, []byte("still there"))
	select {
	case got := <-m.in:
		if string(got) != "still there" {
			t.Fatalf("echoed %q", got)
		}
	case <-ctx.Done():
		t.Fatalf("no echo on a WebSocket next to %d with rx off: they hold the connection's window", stalled)
	}
	for i := range cs {
		cs[i].SetRx(true)
	}
	rctx := testCtx(t)
	for i := range ms {
		if got := ms[i].recv(t, rctx); len(got) != bigOnAskSize {
			t.Fatalf("WebSocket %d received %d bytes, want %d", i, len(got), bigOnAskSize)
		}
	}
}

// TestH2ClientStreamWindowEnforced: a server that sends DATA past the
// stream's receive window gets RST_STREAM FLOW_CONTROL_ERROR, and the
// response body's reader an error, instead of the client buffering without
// bound.
func TestH2ClientStreamWindowEnforced(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		code http2.ErrCode
		err  error
	}
	got := make(chan result, 1)
	release := make(chan struct{}) // the server's socket stays open until the checks are done
	defer close(release)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer nc.Close()
		got <- misbehave(nc)
		<-release
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodGet, "http://example.com/", nil)
	resp, err := hc.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatalf("server: %v", r.err)
		}
		if r.code != http2.ErrCodeFlowControl {
			t.Fatalf("stream reset with %v, want FLOW_CONTROL_ERROR", r.code)
		}
	case <-testCtx(t).Done():
		t.Fatal("no RST_STREAM for DATA past the stream's window")
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err == nil {
		t.Fatalf("the body read %d bytes and ended cleanly", n)
	}
	if n > 256<<10 {
		t.Fatalf("the body gave %d bytes, past the stream's window", n)
	}
	if hc.Err() != nil {
		t.Fatalf("a stream's flow-control error ended the connection: %v", hc.Err())
	}
}

// misbehave is an HTTP/2 server on nc that answers the first request 200
// and then sends 17 DATA frames of 16 KiB (272 KiB) without waiting for
// window updates; it returns the code of the RST_STREAM the client sends.
func misbehave(nc net.Conn) (r struct {
	code http2.ErrCode
	err  error
}) {
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(nc, preface); err != nil {
		r.err = err
		return r
	}
	fr := http2.NewFramer(nc, nc)
	if err := fr.WriteSettings(); err != nil {
		r.err = err
		return r
	}
	var id uint32
	for id == 0 {
		f, err := fr.ReadFrame()
		if err != nil {
			r.err = err
			return r
		}
		if h, ok := f.(*http2.HeadersFrame); ok {
			id = h.StreamID
		}
	}
	var hb bytes.Buffer
	_ = hpack.NewEncoder(&hb).WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndHeaders: true}); err != nil {
		r.err = err
		return r
	}
	chunk := make([]byte, 16<<10)
	for range 17 {
		if err := fr.WriteData(id, false, chunk); err != nil {
			r.err = err
			return r
		}
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			r.err = errors.Join(errors.New("no RST_STREAM"), err)
			return r
		}
		if rst, ok := f.(*http2.RSTStreamFrame); ok && rst.StreamID == id {
			r.code = rst.ErrCode
			return r
		}
	}
}
