package conn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testwait"
)

// closePayload is a close frame's payload.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// TestPeerCloseCode checks that the Closed callback gets the peer's close
// code and reason, also when the close frame arrives while a ping is waiting
// for its pong (the ping's failure must not take the place of the peer's
// close).
func TestPeerCloseCode(t *testing.T) {
	tests := []struct {
		name  string
		opts  conn.Options
		close func(t *testing.T, s *server)
		runs  int
	}{
		{
			name: "library client",
			close: func(t *testing.T, s *server) {
				c := dial(t, s, nil)
				if err := c.Close(4005, "x"); err != nil {
					t.Errorf("client close: %v", err)
				}
			},
			runs: 1,
		},
		{
			name: "while a ping awaits its pong",
			opts: conn.Options{PingInterval: 10 * time.Millisecond, PongTimeout: 10 * time.Second},
			close: func(t *testing.T, s *server) {
				rc := dialRaw(t, s, "")
				rc.SetReadDeadline(time.Now().Add(5 * time.Second))
				for {
					f, err := rc.readFrame()
					if err != nil {
						t.Fatalf("waiting for a ping: %v", err)
					}
					if f.opcode == 9 {
						break // and do not answer it
					}
				}
				if err := rc.writeFrame(true, 8, closePayload(4005, "x")); err != nil {
					t.Fatal(err)
				}
				if code := rc.finishClose(t); code != 4005 {
					t.Errorf("server answered the close with %d, want 4005", code)
				}
			},
			runs: 50, // the ping and the close race: try a few times
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range tt.runs {
				var closes atomic.Int32
				closed := make(chan error, 1)
				s := startServer(t, func(*conn.Conn) conn.Session {
					return &funcSession{closed: func(_ *conn.Conn, err error) {
						closes.Add(1)
						closed <- err
					}}
				}, tt.opts)
				tt.close(t, s)
				select {
				case err := <-closed:
					var ce *conn.CloseError
					if !errors.As(err, &ce) || ce.Code != 4005 || ce.Reason != "x" {
						t.Fatalf("Closed got %v (%T), want *CloseError 4005 \"x\"", err, err)
					}
				case <-testCtx(t).Done():
					t.Fatal("Closed did not run")
				}
				if err := s.set.Wait(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				if n := closes.Load(); n != 1 {
					t.Fatalf("Closed ran %d times", n)
				}
			}
		})
	}
}

// TestEndUnblocksStuckWrite checks that Close, or a timeout, ends a
// connection whose service goroutine is blocked writing to a peer that does
// not read, once the close grace has passed.
func TestEndUnblocksStuckWrite(t *testing.T) {
	const grace = 200 * time.Millisecond
	tests := []struct {
		name  string
		end   func(sc *conn.Conn)
		check func(err error) bool
	}{
		{
			name: "Close",
			end:  func(sc *conn.Conn) { sc.Close(4001, "stuck") },
			check: func(err error) bool {
				var ce *conn.CloseError
				return errors.As(err, &ce) && ce.Code == 4001
			},
		},
		{
			name: "timeout",
			end:  func(sc *conn.Conn) { sc.SetTimeout(time.Millisecond, "stuck") },
			check: func(err error) bool {
				var te *conn.TimeoutError
				return errors.As(err, &te) && te.Reason == "stuck"
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var writes, closes atomic.Int64
			started := make(chan *conn.Conn, 1)
			closed := make(chan error, 1)
			big := bytes.Repeat([]byte{0x5a}, 1<<20)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{
					established: func(c *conn.Conn) error {
						started <- c
						c.RequestWritable()
						return nil
					},
					writeable: func(c *conn.Conn) error {
						if err := c.Write(conn.Binary, big); err != nil {
							return err
						}
						writes.Add(1)
						c.RequestWritable()
						return nil
					},
					closed: func(_ *conn.Conn, err error) {
						closes.Add(1)
						closed <- err
					},
				}
			}, conn.Options{CloseGrace: grace})
			_ = dialRaw(t, s, "") // never reads
			sc := <-started

			n := testwait.Stall(t, "server writes", writes.Load, 300*time.Millisecond, 8*time.Second)
			t.Logf("writes stuck after %d MiB", n)
			select {
			case <-sc.Done():
				t.Fatal("connection ended on its own")
			default:
			}

			start := time.Now()
			tt.end(sc) // from the test goroutine
			select {
			case <-sc.Done():
			case <-time.After(conn.DefaultCloseGrace):
				t.Fatalf("connection still stuck %v after it was ended with a %v grace", conn.DefaultCloseGrace, grace)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("ending took %v with a %v grace", d, grace)
			}
			select {
			case err := <-closed:
				if !tt.check(err) {
					t.Fatalf("Closed got %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Closed did not run")
			}
			if err := s.set.Wait(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			if n := closes.Load(); n != 1 {
				t.Fatalf("Closed ran %d times", n)
			}
		})
	}
}

// countingEcho is the echo session that counts its writeables.
type countingEcho struct {
	echo
	writeables *atomic.Int32
}

func (e *countingEcho) Writeable(c *conn.Conn) error {
	e.writeables.Add(1)
	return e.echo.Writeable(c)
}

// TestSpuriousWriteablesHarmless checks invariant 4: writeables nobody asked
// for, requested from outside while messages are in flight and while nothing
// is pending, neither send anything nor disturb the echo.
func TestSpuriousWriteablesHarmless(t *testing.T) {
	var writeables atomic.Int32
	started := make(chan *conn.Conn, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		started <- c
		return &countingEcho{writeables: &writeables}
	}, conn.Options{RxBufferSize: 16}) // messages arrive in many chunks
	c := dial(t, s, nil)
	ctx := testCtx(t)
	sc := <-started

	roundTrip := func(i int) {
		t.Helper()
		msg := bytes.Repeat([]byte{'a' + byte(i%26)}, 100+i)
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil || typ != websocket.MessageBinary || !bytes.Equal(got, msg) {
			t.Fatalf("round trip %d: got %v %q, %v; want %q", i, typ, got, err, msg)
		}
	}

	// Requests from outside while messages are in flight.
	stop := make(chan struct{})
	requests := make(chan struct{})
	go func() {
		defer close(requests)
		for range 100 {
			select {
			case <-stop:
				return
			default:
				sc.RequestWritable()
			}
		}
	}()
	for i := range 20 {
		roundTrip(i)
	}
	close(stop)
	<-requests

	// 100 requests with nothing pending.
	before := writeables.Load()
	for range 100 {
		sc.RequestWritable()
	}
	waitFor(t, "a spurious writeable", func() bool { return writeables.Load() > before })
	// Had a spurious writeable sent anything, it would be read here first.
	for i := range 5 {
		roundTrip(100 + i)
	}
}

// TestCloseWhileRxTurnedOff closes connections while another goroutine
// keeps turning rx off: the close must still end (the peer's answer is read,
// or the close grace cuts it), never hang with the reader parked.
func TestCloseWhileRxTurnedOff(t *testing.T) {
	for i := range 20 {
		closed := make(chan error, 1)
		stop := make(chan struct{})
		var toggler sync.WaitGroup
		s := startServer(t, func(c *conn.Conn) conn.Session {
			return &funcSession{
				established: func(c *conn.Conn) error {
					toggler.Go(func() {
						for {
							select {
							case <-stop:
								return
							default:
								c.SetRx(false)
							}
						}
					})
					go c.Close(conn.StatusNormal, "bye")
					return nil
				},
				closed: func(_ *conn.Conn, err error) { closed <- err },
			}
		}, conn.Options{CloseGrace: 300 * time.Millisecond})
		rc := dialRaw(t, s, "")
		go func() { // answer the close like a peer does
			for {
				f, err := rc.readFrame()
				if err != nil {
					return
				}
				if f.opcode == 8 {
					rc.writeFrame(true, 8, f.payload)
				}
			}
		}()
		select {
		case <-closed:
		case <-time.After(3 * time.Second):
			t.Fatalf("round %d: Closed did not run 3s after Close with a 300ms close grace", i)
		}
		close(stop)
		toggler.Wait()
	}
}
