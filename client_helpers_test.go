package lws_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testwait"
)

// event is what a recording client session saw.
type event struct {
	kind  string // "response", "established", "data", "closed"
	data  []byte
	first bool
	final bool
	resp  *http.Response
	err   error
	c     *conn.Conn
}

// recorder is a client session that reports every callback on ev and sends
// what the test puts on send, one message per writeable. With pauseAfter > 0
// it turns rx off once it has received that many bytes and reports
// "paused".
type recorder struct {
	ev         chan event
	send       chan []byte
	pauseAfter int
	got        int
}

func (r *recorder) Response(c *conn.Conn, resp *http.Response) error {
	r.ev <- event{kind: "response", resp: resp, c: c}
	return nil
}

func (r *recorder) Established(c *conn.Conn) error {
	r.ev <- event{kind: "established", c: c}
	return nil
}

func (r *recorder) Receive(c *conn.Conn, in conn.Chunk) error {
	r.got += len(in.Data)
	r.ev <- event{kind: "data", data: append([]byte(nil), in.Data...), first: in.First, final: in.Final, c: c}
	if r.pauseAfter > 0 && r.got >= r.pauseAfter {
		r.pauseAfter = 0
		c.SetRx(false)
		r.ev <- event{kind: "paused", c: c}
	}
	return nil
}

func (r *recorder) Writeable(c *conn.Conn) error {
	select {
	case p := <-r.send:
		return c.Write(conn.Binary, p)
	default:
		return nil
	}
}

func (r *recorder) Closed(c *conn.Conn, err error) {
	r.ev <- event{kind: "closed", err: err, c: c}
}

// clientSide is a Server with one vhost (no listener) whose protocol
// "client" makes recorders; every session shares ev and send.
type clientSide struct {
	ctx   *lws.Server
	vh    *lws.Vhost
	ev    chan event
	send  chan []byte
	pause atomic.Int64
}

func newClientSide(t *testing.T) *clientSide {
	t.Helper()
	cs := &clientSide{ev: make(chan event, 4096), send: make(chan []byte, 16)}
	p := &lws.Protocol{
		Name: "client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &recorder{ev: cs.ev, send: cs.send, pauseAfter: int(cs.pause.Load())}
		},
	}
	cs.ctx = lws.New(lwstest.Quiet())
	vh, err := cs.ctx.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	cs.vh = vh
	lwstest.Run(t, cs.ctx)
	return cs
}

// next returns the next event, failing the test after 10 s.
func (cs *clientSide) next(t *testing.T) event {
	t.Helper()
	select {
	case e := <-cs.ev:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no callback within 10 s")
		return event{}
	}
}

// expect returns the next event, failing unless it is of kind.
func (cs *clientSide) expect(t *testing.T, kind string) event {
	t.Helper()
	e := cs.next(t)
	if e.kind != kind {
		t.Fatalf("got %s event (%v), want %s", e.kind, e.err, kind)
	}
	return e
}

// body collects data events up to the final one.
func (cs *clientSide) body(t *testing.T) []byte {
	t.Helper()
	var b []byte
	for {
		e := cs.expect(t, "data")
		b = append(b, e.data...)
		if e.final {
			return b
		}
	}
}

// wait waits for h's attempt to end.
func wait(t *testing.T, h *client.Client) (*conn.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return h.Connected(ctx)
}

// countingListener counts the TCP connections it accepts.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// silentListener accepts connections and never answers, until the test
// ends: the peer of timeout tests.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var conns []net.Conn
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return ln.Addr().String()
}

// closedPort returns a loopback address nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// bigResponse writes a body of total bytes as fast as the client takes it,
// counting what it has written.
type bigResponse struct {
	total    int64
	written  atomic.Int64
	finished chan struct{}
}

func newBigResponse(total int64) *bigResponse {
	return &bigResponse{total: total, finished: make(chan struct{})}
}

func (b *bigResponse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer close(b.finished)
	w.Header().Set("Content-Length", strconv.FormatInt(b.total, 10))
	buf := make([]byte, 32<<10)
	for b.written.Load() < b.total {
		n, err := w.Write(buf[:min(int64(len(buf)), b.total-b.written.Load())])
		b.written.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// heldBack checks rx flow control on a big response: with rx off on c
// (got bytes received so far), the server's writes stall below limit
// bytes; once rx is on again, every byte arrives.
func (cs *clientSide) heldBack(t *testing.T, c *conn.Conn, got int, b *bigResponse, limit int64) {
	t.Helper()
	stall := testwait.Stall(t, "server's written bytes", b.written.Load, 300*time.Millisecond, 8*time.Second)
	select {
	case <-b.finished:
		t.Fatalf("the server wrote all %d bytes while rx was off", b.total)
	default:
	}
	t.Logf("rx off: the server is blocked after writing %d of %d bytes", stall, b.total)
	if stall >= limit {
		t.Fatalf("%d bytes buffered while rx was off", stall)
	}
	c.SetRx(true)
	for {
		d := cs.expect(t, "data")
		got += len(d.data)
		if d.final {
			break
		}
	}
	if int64(got) != b.total {
		t.Fatalf("received %d bytes, want %d", got, b.total)
	}
	<-b.finished
}
