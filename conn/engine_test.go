package conn_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// funcSession lets each test supply only the callbacks it needs.
type funcSession struct {
	established func(c *conn.Conn) error
	receive     func(c *conn.Conn, in conn.Chunk) error
	writeable   func(c *conn.Conn) error
	closed      func(c *conn.Conn, err error)
}

func (s *funcSession) Established(c *conn.Conn) error {
	if s.established == nil {
		return nil
	}
	return s.established(c)
}

func (s *funcSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if s.receive == nil {
		return nil
	}
	return s.receive(c, in)
}

func (s *funcSession) Writeable(c *conn.Conn) error {
	if s.writeable == nil {
		return nil
	}
	return s.writeable(c)
}

func (s *funcSession) Closed(c *conn.Conn, err error) {
	if s.closed != nil {
		s.closed(c, err)
	}
}

// echo is the canonical session: it keeps one message, turns rx off until
// the message is written, and ignores writeables it did not ask for.
type echo struct {
	msg  []byte
	typ  conn.MessageType
	full bool
}

func (e *echo) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.First {
		e.msg = e.msg[:0]
	}
	e.msg = append(e.msg, in.Data...)
	e.typ = in.Type
	if in.Final {
		e.full = true
		c.SetRx(false)
		c.RequestWritable()
	}
	return nil
}

func (e *echo) Writeable(c *conn.Conn) error {
	if !e.full {
		return nil // not ours: spurious writeables are legal
	}
	e.full = false
	c.SetRx(true)
	return c.Write(e.typ, e.msg)
}

func newEcho(*conn.Conn) conn.Session { return &echo{} }

func TestEcho(t *testing.T) {
	s := startServer(t, newEcho, conn.Options{RxBufferSize: 1024})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	for _, n := range []int{0, 1, 1023, 1024, 1025, 4096, 100_000, 1 << 20} {
		for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
			msg := bytes.Repeat([]byte("é"), n/2)
			if err := c.Write(ctx, typ, msg); err != nil {
				t.Fatal(err)
			}
			gotTyp, got, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if gotTyp != typ || !bytes.Equal(got, msg) {
				t.Fatalf("echo of %d bytes %v: got %d bytes %v", len(msg), typ, len(got), gotTyp)
			}
		}
	}
}

func TestWriteOutsideWriteable(t *testing.T) {
	errs := make(chan error, 2)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				errs <- c.Write(conn.Text, []byte("no"))
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error {
				if err := c.Write(conn.Text, []byte("one")); err != nil {
					return err
				}
				errs <- c.Write(conn.Text, []byte("two"))
				return nil
			},
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	c.Write(ctx, websocket.MessageText, []byte("go"))
	_, got, err := c.Read(ctx)
	if err != nil || string(got) != "one" {
		t.Fatalf("read %q, %v", got, err)
	}
	if err := <-errs; !errors.Is(err, conn.ErrNotWriteable) {
		t.Fatalf("write in Receive: %v, want ErrNotWriteable", err)
	}
	if err := <-errs; !errors.Is(err, conn.ErrBackToBack) {
		t.Fatalf("second write in Writeable: %v, want ErrBackToBack", err)
	}
}

func TestRequestWritableCoalesces(t *testing.T) {
	var writeables atomic.Int32
	release := make(chan struct{})
	held := make(chan *conn.Conn, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				if string(in.Data) == "hold" {
					held <- c
					<-release // the service goroutine is busy while others request
				}
				if string(in.Data) == "count" {
					c.RequestWritable()
				}
				return nil
			},
			writeable: func(c *conn.Conn) error {
				if writeables.Add(1) == 2 {
					return c.Write(conn.Text, []byte("done"))
				}
				return nil
			},
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	c.Write(ctx, websocket.MessageText, []byte("hold"))
	sc := <-held
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(sc.RequestWritable) // none of these may block
	}
	wg.Wait()
	close(release)
	c.Write(ctx, websocket.MessageText, []byte("count"))
	if _, got, err := c.Read(ctx); err != nil || string(got) != "done" {
		t.Fatalf("read %q, %v", got, err)
	}
	if n := writeables.Load(); n != 2 {
		t.Fatalf("100 requests made while busy gave %d writeables, want 1 (+1 for the later request)", n-1)
	}
}

func TestCallbacksAreSerialized(t *testing.T) {
	var inside, overlaps atomic.Int32
	enter := func() func() {
		if inside.Add(1) != 1 {
			overlaps.Add(1)
		}
		return func() { inside.Add(-1) }
	}
	const messages = 100
	s := startServer(t, func(sc *conn.Conn) conn.Session {
		received, writeables := 0, 0 // unsynchronized on purpose: the race detector checks serialization
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				defer enter()()
				received++
				for range 10 {
					go c.RequestWritable()
				}
				return nil
			},
			writeable: func(c *conn.Conn) error {
				defer enter()()
				writeables++
				if received == messages {
					received++ // answer once
					return c.Write(conn.Text, []byte(fmt.Sprint("enough ", writeables)))
				}
				return nil
			},
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	go func() {
		for range messages {
			if c.Write(ctx, websocket.MessageText, []byte("x")) != nil {
				return
			}
		}
	}()
	for {
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(got), "enough") {
			break
		}
	}
	if overlaps.Load() != 0 {
		t.Fatalf("%d callbacks overlapped", overlaps.Load())
	}
}

func TestErrorClosesWithCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want websocket.StatusCode
	}{
		{"close error", conn.CloseWith(4001, "bye"), 4001},
		{"normal", conn.CloseWith(conn.StatusNormal, ""), websocket.StatusNormalClosure},
		{"plain error", errors.New("boom"), websocket.StatusInternalError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var closes atomic.Int32
			gotErr := make(chan error, 2)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{
					receive: func(*conn.Conn, conn.Chunk) error { return tt.err },
					closed: func(c *conn.Conn, err error) {
						closes.Add(1)
						gotErr <- err
					},
				}
			}, conn.Options{})
			c := dial(t, s, nil)
			ctx := testCtx(t)
			c.Write(ctx, websocket.MessageText, []byte("x"))
			_, _, err := c.Read(ctx)
			if got := websocket.CloseStatus(err); got != tt.want {
				t.Fatalf("close status %d (%v), want %d", got, err, tt.want)
			}
			if err := <-gotErr; !errors.Is(err, tt.err) {
				t.Fatalf("Closed got %v, want %v", err, tt.err)
			}
			s.set.Wait(ctx)
			if n := closes.Load(); n != 1 {
				t.Fatalf("Closed ran %d times", n)
			}
		})
	}
}

func TestClosedOnceUnderConcurrentClose(t *testing.T) {
	var closes atomic.Int32
	started := make(chan *conn.Conn, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		started <- c
		return &funcSession{closed: func(*conn.Conn, error) { closes.Add(1) }}
	}, conn.Options{})
	c := dial(t, s, nil)
	sc := <-started
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { sc.Close(conn.StatusCode(4000+i), "many") })
	}
	wg.Go(func() { c.Close(websocket.StatusNormalClosure, "peer too") })
	wg.Wait()
	<-sc.Done()
	s.set.Wait(testCtx(t))
	if n := closes.Load(); n != 1 {
		t.Fatalf("Closed ran %d times, want 1", n)
	}
	sc.Close(conn.StatusNormal, "after the end") // harmless
}

func TestHeadersLiveAllConnection(t *testing.T) {
	s := startServer(t, func(*conn.Conn) conn.Session {
		n := 0
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				n++
				if n == 50 {
					c.RequestWritable()
				}
				return nil
			},
			writeable: func(c *conn.Conn) error {
				return c.Write(conn.Text, []byte(c.Info().Header.Get("X-Golws-Test")+" "+c.Info().URL.Path))
			},
		}
	}, conn.Options{})
	hdr := make(map[string][]string)
	hdr["X-Golws-Test"] = []string{"kept"}
	ctx := testCtx(t)
	c, _, err := websocket.Dial(ctx, s.wsURL()+"/some/path", &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for range 50 {
		c.Write(ctx, websocket.MessageText, []byte("x"))
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "kept /some/path" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestTimeout(t *testing.T) {
	closed := make(chan error, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error {
				c.SetTimeout(time.Hour, "replaced")
				c.SetTimeout(20*time.Millisecond, "no hello")
				return nil
			},
			closed: func(c *conn.Conn, err error) { closed <- err },
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	_, _, err := c.Read(testCtx(t))
	if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("read: %v, want close 1008", err)
	}
	var te *conn.TimeoutError
	if err := <-closed; !errors.As(err, &te) || te.Reason != "no hello" {
		t.Fatalf("Closed got %v", err)
	}
}

func TestTimeoutCancelled(t *testing.T) {
	s := startServer(t, func(c *conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error {
				c.SetTimeout(10*time.Millisecond, "cancelled")
				c.SetTimeout(0, "")
				return nil
			},
			receive: func(c *conn.Conn, in conn.Chunk) error {
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error { return c.Write(conn.Text, []byte("alive")) },
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	<-time.After(100 * time.Millisecond) // well past the cancelled timeout
	c.Write(ctx, websocket.MessageText, []byte("x"))
	if _, got, err := c.Read(ctx); err != nil || string(got) != "alive" {
		t.Fatalf("got %q, %v", got, err)
	}
}
