package conn_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// TestReceiveWhileSendBlocked checks that a connection is full duplex: a
// session that writes 64 KiB messages as fast as Writeable allows to a peer
// that never reads, so that its writes soon block on full socket buffers,
// still receives what the peer uploads. A blocked send must not stop
// reception (nor the other way round): at least 8 MiB must reach Receive
// within 5 s although the peer reads nothing.
func TestReceiveWhileSendBlocked(t *testing.T) {
	const (
		msgSize = 64 << 10
		want    = 8 << 20
		within  = 5 * time.Second
	)
	var received, written atomic.Int64
	s := startServer(t, func(*conn.Conn) conn.Session {
		out := bytes.Repeat([]byte{0xa5}, msgSize)
		return &funcSession{
			established: func(c *conn.Conn) error {
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error {
				if err := c.Write(conn.Binary, out); err != nil {
					return err
				}
				written.Add(msgSize)
				c.RequestWritable()
				return nil
			},
			receive: func(c *conn.Conn, in conn.Chunk) error {
				received.Add(int64(len(in.Data)))
				return nil
			},
		}
	}, conn.Options{CloseGrace: 200 * time.Millisecond})
	rc := dialRaw(t, s, "") // never reads after the handshake

	stop := make(chan struct{})
	upDone := make(chan error, 1)
	go func() {
		f := encodeFrame(true, 2, bytes.Repeat([]byte{0x3c}, msgSize))
		for {
			select {
			case <-stop:
				upDone <- nil
				return
			default:
			}
			if _, err := rc.Write(f); err != nil {
				upDone <- err
				return
			}
		}
	}()
	ok := waitWithin(within, func() bool { return received.Load() >= want })
	close(stop)
	rc.Close() // unblocks the uploader when the server does not read
	<-upDone
	t.Logf("server received %.1f MiB and wrote %.1f MiB to a peer that never read",
		float64(received.Load())/(1<<20), float64(written.Load())/(1<<20))
	if !ok {
		t.Fatalf("server received %d bytes in %v while its sends were blocked, want >= %d",
			received.Load(), within, want)
	}
}

// cbFragment and goFragment are the payloads of the fragments that the
// Writeable callbacks and the other goroutine write in
// TestWriteFromOtherGoroutineDuringWriteable.
func cbFragment(msg, frag int) string { return fmt.Sprintf("cb %03d/%d;", msg, frag) }
func goFragment(msg, frag int) string { return fmt.Sprintf("go %03d/%d;", msg, frag) }

// TestWriteFromOtherGoroutineDuringWriteable checks that a write another
// goroutine makes while a Writeable callback runs does not race the writes
// of the callbacks that follow (run it with -race: the race detector fails
// the test on its own) and cannot corrupt the stream. The callbacks write
// text messages as fragments, one WriteFragment per callback, retrying a
// fragment whose permission the goroutine took; the goroutine keeps trying
// to write binary messages, also as fragments, so the fragment-type state
// is used from both sides. Whether the engine refuses the goroutine's
// writes or serializes them, every message the client receives must be
// intact: a text message is exactly one callback message, a binary one
// exactly one goroutine message, each in order. The race needs the
// goroutine to win a callback's window, so the scenario runs several times.
func TestWriteFromOtherGoroutineDuringWriteable(t *testing.T) {
	for round := range 6 {
		t.Run(fmt.Sprint("round ", round), writeDuringWriteableRound)
	}
}

func writeDuringWriteableRound(t *testing.T) {
	const (
		messages = 100
		frags    = 4
	)
	started := make(chan *conn.Conn, 1)
	var attempts atomic.Int64 // writes the goroutine has started
	s := startServer(t, func(*conn.Conn) conn.Session {
		msg, frag, calls := 0, 0, 0
		return &funcSession{
			established: func(c *conn.Conn) error {
				started <- c // the goroutine below asks for the first writeable
				return nil
			},
			writeable: func(c *conn.Conn) error {
				if msg == messages {
					return nil
				}
				if calls++; calls%2 == 1 {
					// Every other callback lets the goroutine start a write
					// while it runs (the timing under test); the next one
					// writes at once, while that write may still be going on.
					from := attempts.Load()
					deadline := time.Now().Add(2 * time.Millisecond)
					for attempts.Load() == from && time.Now().Before(deadline) {
						runtime.Gosched()
					}
					runtime.Gosched()
				}
				err := c.WriteFragment(conn.Text, []byte(cbFragment(msg, frag)), frag == frags-1)
				switch {
				case err == nil:
					if frag++; frag == frags {
						msg, frag = msg+1, 0
					}
				case errors.Is(err, conn.ErrBackToBack), errors.Is(err, conn.ErrFragmentType):
					// The other goroutine's write took this callback: try
					// the same fragment again in the next one.
				default:
					t.Errorf("callback's WriteFragment: %v", err)
					return err
				}
				if msg < messages {
					c.RequestWritable()
				}
				return nil
			},
		}
	}, conn.Options{CloseGrace: 200 * time.Millisecond})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	sc := <-started

	stop := make(chan struct{})
	goDone := make(chan error, 1)
	go func() {
		sc.RequestWritable() // the callbacks start once this goroutine runs
		msg, frag := 0, 0
		for {
			select {
			case <-stop:
				goDone <- nil
				return
			default:
			}
			attempts.Add(1)
			err := sc.WriteFragment(conn.Binary, []byte(goFragment(msg, frag)), frag == frags-1)
			switch {
			case err == nil:
				if frag++; frag == frags {
					msg, frag = msg+1, 0
				}
			case errors.Is(err, conn.ErrNotWriteable), errors.Is(err, conn.ErrBackToBack),
				errors.Is(err, conn.ErrFragmentType):
				runtime.Gosched()
			default:
				goDone <- err // the connection ended
				return
			}
		}
	}()
	defer func() {
		close(stop)
		<-goDone
	}()

	cbMsgs, goMsgs := 0, 0
	for cbMsgs < messages {
		typ, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("after %d callback and %d goroutine messages: %v", cbMsgs, goMsgs, err)
		}
		var want bytes.Buffer
		switch typ {
		case websocket.MessageText:
			for f := range frags {
				want.WriteString(cbFragment(cbMsgs, f))
			}
			cbMsgs++
		case websocket.MessageBinary:
			for f := range frags {
				want.WriteString(goFragment(goMsgs, f))
			}
			goMsgs++
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%v message %q, want %q: the writes interleaved", typ, got, want.Bytes())
		}
	}
	t.Logf("%d callback messages and %d whole goroutine messages arrived intact", cbMsgs, goMsgs)
}

// TestSlowReceiveKeepsAnsweredPings checks that a healthy peer is not taken
// for dead while the session is slow: Receive takes 600 ms per message,
// three times the pong timeout, while the client reads (and so answers
// pings) in the background. The pongs arrive in time and must be seen in
// time, so the connection must not be closed with ErrPongTimeout; it stays
// up until the client closes it.
func TestSlowReceiveKeepsAnsweredPings(t *testing.T) {
	const (
		interval    = 100 * time.Millisecond
		pongTimeout = 200 * time.Millisecond
		work        = 600 * time.Millisecond
		messages    = 3
	)
	received := make(chan string, messages)
	closed := make(chan error, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		var msg []byte
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				time.Sleep(work) // a slow consumer: the timing under test
				msg = append(msg, in.Data...)
				if in.Final {
					received <- string(msg)
					msg = nil
				}
				return nil
			},
			closed: func(_ *conn.Conn, err error) { closed <- err },
		}
	}, conn.Options{PingInterval: interval, PongTimeout: pongTimeout})
	var pings atomic.Int32
	c := dial(t, s, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			pings.Add(1)
			return true
		},
	})
	ctx := testCtx(t)
	readCtx := c.CloseRead(ctx) // reads, and so answers pings, in the background
	for i := range messages {
		if err := c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, "message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range messages {
		select {
		case got := <-received:
			if want := fmt.Sprintf("message %d", i); got != want {
				t.Fatalf("received %q, want %q", got, want)
			}
		case err := <-closed:
			t.Fatalf("connection closed after %d of %d slow messages (%d pings answered): %v",
				i, messages, pings.Load(), err)
		case <-readCtx.Done():
			// The server ended the connection: its Closed says why.
			select {
			case err := <-closed:
				t.Fatalf("connection closed after %d of %d slow messages (%d pings answered): %v",
					i, messages, pings.Load(), err)
			case <-time.After(5 * time.Second):
				t.Fatalf("client side ended after %d of %d messages: %v", i, messages, context.Cause(readCtx))
			}
		}
	}
	select {
	case err := <-closed:
		t.Fatalf("connection closed: %v", err)
	default:
	}
	t.Logf("client answered %d pings during %v of slow receives", pings.Load(), messages*work)

	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("client close: %v", err)
	}
	select {
	case err := <-closed:
		var ce *conn.CloseError
		if !errors.As(err, &ce) || ce.Code != conn.StatusNormal {
			t.Fatalf("Closed got %v, want the peer's close 1000", err)
		}
	case <-ctx.Done():
		t.Fatal("Closed did not run after the client closed")
	}
}

// TestDeadPeerFoundWhileRxOff checks that pings go on while the session
// keeps rx off. A session that turns rx off in Established and never turns
// it back on must still learn that its peer is gone: a peer that completed
// the handshake and is then silent (never answers a ping) is closed with
// ErrPongTimeout within PingInterval+PongTimeout plus slack (2 s here). A
// peer that does answer is kept, rx off or not.
func TestDeadPeerFoundWhileRxOff(t *testing.T) {
	const (
		interval = 100 * time.Millisecond
		bound    = 2 * time.Second
	)
	tests := []struct {
		name    string
		answers bool
	}{
		{"silent peer", false},
		{"peer answering pings", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan error, 1)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{
					established: func(c *conn.Conn) error {
						c.SetRx(false)
						return nil
					},
					closed: func(_ *conn.Conn, err error) { closed <- err },
				}
			}, conn.Options{PingInterval: interval, CloseGrace: 200 * time.Millisecond})
			start := time.Now()
			rc := dialRaw(t, s, "")

			if !tt.answers {
				select {
				case err := <-closed:
					if !errors.Is(err, conn.ErrPongTimeout) {
						t.Fatalf("Closed got %v, want ErrPongTimeout", err)
					}
					t.Logf("silent peer closed after %v", time.Since(start).Round(time.Millisecond))
				case <-time.After(bound):
					t.Fatalf("a silent peer of a session with rx off was not closed within %v (PingInterval %v)", bound, interval)
				}
				return
			}

			var pongs atomic.Int32
			answerDone := make(chan struct{})
			go func() {
				defer close(answerDone)
				rc.SetReadDeadline(time.Now().Add(10 * time.Second))
				for {
					f, err := rc.readFrame()
					if err != nil {
						return
					}
					if f.opcode == 9 {
						if rc.writeFrame(true, 10, f.payload) != nil {
							return
						}
						pongs.Add(1)
					}
				}
			}()
			defer func() {
				rc.Close()
				<-answerDone
			}()
			// Many ping intervals with rx off and every ping answered.
			select {
			case err := <-closed:
				t.Fatalf("peer answering pings closed with rx off after %d pongs: %v", pongs.Load(), err)
			case <-time.After(10 * interval):
			}
			if n := pongs.Load(); n < 3 {
				t.Fatalf("%d pings in %v with rx off, want pings to go on every %v", n, 10*interval, interval)
			}
		})
	}
}
