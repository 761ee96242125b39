package lws_test

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/listen"
)

// h2StallSender is a client session that sends queued messages, one per
// writeable, counting what it handed over, and passes on what it receives.
type h2StallSender struct {
	mu    sync.Mutex
	queue [][]byte
	cur   []byte
	sent  atomic.Int64
	in    chan []byte
}

func (s *h2StallSender) Receive(c *conn.Conn, in conn.Chunk) error {
	s.cur = append(s.cur, in.Data...)
	if in.Final {
		s.in <- s.cur
		s.cur = nil
	}
	return nil
}

func (s *h2StallSender) Writeable(c *conn.Conn) error {
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.mu.Unlock()
		return nil
	}
	msg := s.queue[0]
	s.queue = s.queue[1:]
	more := len(s.queue) > 0
	s.mu.Unlock()
	if more {
		c.RequestWritable()
	}
	s.sent.Add(int64(len(msg)))
	return c.Write(conn.Binary, msg)
}

func (s *h2StallSender) Closed(*conn.Conn, error) {}

func (s *h2StallSender) send(c *conn.Conn, msgs ...[]byte) {
	s.mu.Lock()
	s.queue = append(s.queue, msgs...)
	s.mu.Unlock()
	c.RequestWritable()
}

// TestH2StalledWebSocketHoldsNoOthers: a WebSocket over HTTP/2 whose server
// session has rx off, and whose client sends more than net/http's 1 MiB
// connection window, leaves another WebSocket on the same connection
// working: the listener's connection window covers every stream's window.
// Once rx is on, everything sent on the first arrives.
func TestH2StalledWebSocketHoldsNoOthers(t *testing.T) {
	const (
		msgSize  = 64 << 10
		messages = 40 // 2.5 MiB
	)
	stalled := make(chan *conn.Conn, 1)
	var received atomic.Int64
	allIn := make(chan struct{})
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Listener: &listen.Options{H2C: true},
		Protocols: []*lws.Protocol{{
			Name: "stall",
			NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
				// The first message turns rx off; the rest are counted.
				first := true
				return &funcSessionH2{receive: func(c *conn.Conn, in conn.Chunk) error {
					if first {
						if in.Final {
							first = false
							c.SetRx(false)
							stalled <- c
						}
						return nil
					}
					if received.Add(int64(len(in.Data))) == msgSize*messages {
						close(allIn)
					}
					return nil
				}}
			},
		}, {
			Name:       "echo",
			NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &h2EchoSession{} },
		}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	open := func(proto string) (*conn.Conn, *h2StallSender) {
		t.Helper()
		ws, _, err := conn.DialWebSocketH2(ctx, "ws://"+v.Addr().String()+"/", hc, &websocket.DialOptions{Subprotocols: []string{proto}})
		if err != nil {
			t.Fatalf("dial %s over HTTP/2: %v", proto, err)
		}
		s := &h2StallSender{in: make(chan []byte, 4)}
		c, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session { return s }, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Abort() })
		return c, s
	}
	ca, sa := open("stall")
	cb, sb := open("echo")

	sa.send(ca, []byte("stop"))
	var sc *conn.Conn
	select {
	case sc = <-stalled:
	case <-ctx.Done():
		t.Fatal("the first WebSocket's message did not arrive")
	}
	msgs := make([][]byte, messages)
	for i := range msgs {
		msgs[i] = bytes.Repeat([]byte{byte(i)}, msgSize)
	}
	sa.send(ca, msgs...)
	stall := testwait.Stall(t, "the first WebSocket's sent bytes", sa.sent.Load, 300*time.Millisecond, 10*time.Second)
	t.Logf("rx off: the first WebSocket stalled after %d bytes", stall)
	if stall >= msgSize*messages {
		t.Fatalf("the first WebSocket sent all %d bytes with rx off on the server", stall)
	}

	pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
	defer pcancel()
	sb.send(cb, []byte("still there"))
	select {
	case got := <-sb.in:
		if string(got) != "still there" {
			t.Fatalf("echoed %q", got)
		}
	case <-pctx.Done():
		t.Fatal("no echo on the second WebSocket: the stalled one holds the connection's window")
	}

	sc.SetRx(true)
	select {
	case <-allIn:
	case <-ctx.Done():
		t.Fatalf("the server received %d of %d bytes after rx on", received.Load(), msgSize*messages)
	}
}

// funcSessionH2 is a server session made of a Receive function.
type funcSessionH2 struct {
	receive func(c *conn.Conn, in conn.Chunk) error
}

func (s *funcSessionH2) Receive(c *conn.Conn, in conn.Chunk) error { return s.receive(c, in) }
func (s *funcSessionH2) Writeable(*conn.Conn) error                { return nil }
func (s *funcSessionH2) Closed(*conn.Conn, error)                  {}
