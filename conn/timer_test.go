package conn_test

import (
	"errors"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// timerSession counts its callbacks in plain fields: the race detector
// fails the test if Timer ever runs alongside Receive or Writeable.
type timerSession struct {
	funcSession
	timer    func(c *conn.Conn) error
	timers   int
	received int
}

func (s *timerSession) Timer(c *conn.Conn) error {
	s.timers++
	return s.timer(c)
}

func (s *timerSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.received++
	return nil
}

// TestTimerSerialized checks that Timer callbacks come after the set delay,
// re-armed from the callback itself, in step with Receive (no lock in the
// session), while the peer sends all the time.
func TestTimerSerialized(t *testing.T) {
	const want = 10
	fired := make(chan time.Duration, want)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		var armed time.Time
		ts := &timerSession{}
		ts.established = func(c *conn.Conn) error {
			armed = time.Now()
			c.SetTimer(20 * time.Millisecond)
			return nil
		}
		ts.timer = func(c *conn.Conn) error {
			fired <- time.Since(armed)
			if ts.timers < want {
				armed = time.Now()
				c.SetTimer(20 * time.Millisecond)
			}
			return nil
		}
		return ts
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if c.Write(ctx, websocket.MessageBinary, []byte("tick")) != nil {
				return
			}
		}
	}()
	for i := range want {
		select {
		case d := <-fired:
			if d < 20*time.Millisecond {
				t.Fatalf("timer %d fired after %v, set for 20ms", i, d)
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d timer callbacks", i, want)
		}
	}
}

// TestTimerCancel checks that setting the timer again replaces it, that
// SetTimer(0) cancels it, and that no Timer runs once the connection has
// closed.
func TestTimerCancel(t *testing.T) {
	tests := []struct {
		name  string
		setup func(c *conn.Conn)
		fires bool
	}{
		{"replaced by a later one", func(c *conn.Conn) { c.SetTimer(time.Hour); c.SetTimer(10 * time.Millisecond) }, true},
		{"replaced by a longer one", func(c *conn.Conn) { c.SetTimer(10 * time.Millisecond); c.SetTimer(time.Hour) }, false},
		{"cancelled", func(c *conn.Conn) { c.SetTimer(10 * time.Millisecond); c.SetTimer(0) }, false},
		{"closed first", func(c *conn.Conn) { c.SetTimer(30 * time.Millisecond); c.Close(conn.StatusNormal, "") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fired := make(chan struct{}, 1)
			closed := make(chan struct{})
			c, err := conn.Start(newStub(), nil, func(*conn.Conn) conn.Session {
				ts := &timerSession{timer: func(*conn.Conn) error { fired <- struct{}{}; return nil }}
				ts.established = func(c *conn.Conn) error { tt.setup(c); return nil }
				ts.closed = func(*conn.Conn, error) { close(closed) }
				return ts
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { c.Close(conn.StatusNormal, ""); <-c.Done() }()
			select {
			case <-fired:
				if !tt.fires {
					t.Fatal("a cancelled timer fired")
				}
			case <-time.After(200 * time.Millisecond): // the timing under test: nothing may come
				if tt.fires {
					t.Fatal("the timer did not fire")
				}
			}
		})
	}
}

// TestTimerErrorCloses checks that an error from Timer closes the
// connection with it, and a panic with a *PanicError.
func TestTimerErrorCloses(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		fn   func(*conn.Conn) error
		want func(error) bool
	}{
		{"error", func(*conn.Conn) error { return boom }, func(err error) bool { return errors.Is(err, boom) }},
		{"panic", func(*conn.Conn) error { panic("timer panic") }, func(err error) bool {
			var pe *conn.PanicError
			return errors.As(err, &pe) && pe.Callback == "Timer"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			captureSlog(t) // the panic's log
			closed := make(chan error, 1)
			_, err := conn.Start(newStub(), nil, func(*conn.Conn) conn.Session {
				ts := &timerSession{timer: tt.fn}
				ts.established = func(c *conn.Conn) error { c.SetTimer(time.Millisecond); return nil }
				ts.closed = func(_ *conn.Conn, err error) { closed <- err }
				return ts
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-closed:
				if !tt.want(err) {
					t.Fatalf("Closed got %v", err)
				}
			case <-testCtx(t).Done():
				t.Fatal("the connection did not close")
			}
		})
	}
}
