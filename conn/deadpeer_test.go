package conn_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

const pingInterval = 50 * time.Millisecond

// TestDeadPeerFound checks invariant 8 for ping/pong: a peer that completed
// the handshake and then went silent (never reads, never answers a ping) is
// closed with ErrPongTimeout.
func TestDeadPeerFound(t *testing.T) {
	closed := make(chan error, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{closed: func(_ *conn.Conn, err error) { closed <- err }}
	}, conn.Options{PingInterval: pingInterval})
	start := time.Now()
	_ = dialRaw(t, s, "") // and then nothing: no reads, no pongs

	select {
	case err := <-closed:
		if !errors.Is(err, conn.ErrPongTimeout) {
			t.Fatalf("Closed got %v, want ErrPongTimeout", err)
		}
		t.Logf("silent peer closed after %v", time.Since(start).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("a peer that never answers pings was not closed within 3s")
	}
}

// TestLivePeerKept checks the other side of invariant 8: a peer that answers
// pings is kept across many ping intervals, then closes normally.
func TestLivePeerKept(t *testing.T) {
	const wantPings = 6
	closed := make(chan error, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{closed: func(_ *conn.Conn, err error) { closed <- err }}
	}, conn.Options{PingInterval: pingInterval})
	var pings atomic.Int32
	c := dial(t, s, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			pings.Add(1)
			return true // and answer it
		},
	})
	ctx := c.CloseRead(testCtx(t)) // reads, and so answers pings, in the background

	waitFor(t, "pings", func() bool { return pings.Load() >= wantPings })
	select {
	case err := <-closed:
		t.Fatalf("live peer closed after %d pings: %v", pings.Load(), err)
	case <-ctx.Done():
		t.Fatalf("client side ended after %d pings: %v", pings.Load(), context.Cause(ctx))
	default:
	}

	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("client close: %v", err)
	}
	select {
	case err := <-closed:
		var ce *conn.CloseError
		if !errors.As(err, &ce) || ce.Code != conn.StatusNormal || ce.Reason != "done" {
			t.Fatalf("Closed got %v, want the peer's close 1000 \"done\"", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Closed did not run after the peer closed")
	}
}

// TestSlowReaderKeptWhileOutputDrains checks that a ping queued behind a
// large message the peer is still reading does not get a live peer closed:
// the peer taking our output is a sign of life.
func TestSlowReaderKeptWhileOutputDrains(t *testing.T) {
	const size = 16 << 20
	closed := make(chan error, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error { c.RequestWritable(); return nil },
			writeable:   func(c *conn.Conn) error { return c.Write(conn.Binary, make([]byte, size)) },
			closed:      func(_ *conn.Conn, err error) { closed <- err },
		}
	}, conn.Options{PingInterval: 200 * time.Millisecond, PongTimeout: 200 * time.Millisecond})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	_, r, err := c.Reader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	total := 0
	for total < size {
		n, err := r.Read(buf)
		total += n
		if err != nil && total < size {
			select {
			case cause := <-closed:
				t.Fatalf("closed after %d of %d bytes: %v", total, size, cause)
			default:
				t.Fatalf("after %d bytes: %v", total, err)
			}
		}
		time.Sleep(5 * time.Millisecond) // a steady reader, slower than the sender
	}
}

// TestEmptyWriteCopied checks that an empty write on a transport whose
// writes the engine copies (HTTP responses) is an ordinary write.
func TestEmptyWriteCopied(t *testing.T) {
	wrote := make(chan error, 1)
	c, err := conn.Start(newStub(), nil, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error { c.RequestWritable(); return nil },
			writeable:   func(c *conn.Conn) error { err := c.Write(conn.Binary, nil); wrote <- err; return err },
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close(conn.StatusNormal, ""); <-c.Done() }()
	if err := <-wrote; err != nil {
		t.Fatalf("empty write: %v", err)
	}
	select {
	case <-c.Done():
		t.Fatal("an empty write ended the connection")
	default:
	}
}
