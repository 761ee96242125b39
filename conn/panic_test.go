package conn_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// panicky is the echo session, except that the callback named by where
// panics with value.
type panicky struct {
	echo
	where  string // "Established", "Receive", "Writeable" or "" for none
	value  string
	closed chan<- error
}

func (p *panicky) Established(*conn.Conn) error {
	if p.where == "Established" {
		panic(p.value)
	}
	return nil
}

func (p *panicky) Receive(c *conn.Conn, in conn.Chunk) error {
	if p.where == "Receive" {
		panic(p.value)
	}
	return p.echo.Receive(c, in) // asks for the writeable
}

func (p *panicky) Writeable(c *conn.Conn) error {
	if p.where == "Writeable" {
		panic(p.value)
	}
	return p.echo.Writeable(c)
}

func (p *panicky) Closed(_ *conn.Conn, err error) { p.closed <- err }

// checkPanicLogged waits for the log to show the panic: its value and a
// stack.
func checkPanicLogged(t *testing.T, logs *lockedBuffer, value string) {
	t.Helper()
	if !waitWithin(5*time.Second, func() bool { return strings.Contains(logs.String(), value) }) {
		t.Fatalf("panic %q not logged; the log has:\n%s", value, logs.String())
	}
	if l := logs.String(); !strings.Contains(l, "goroutine") && !strings.Contains(l, "panic") {
		t.Errorf("log of the panic has no stack or mention of a panic:\n%s", l)
	}
}

// echoWorks checks that a new connection to s echoes a message.
func echoWorks(t *testing.T, s *server) {
	t.Helper()
	c := dial(t, s, nil)
	ctx := testCtx(t)
	if err := c.Write(ctx, websocket.MessageText, []byte("still there?")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "still there?" {
		t.Fatalf("echo on a new connection: %q, %v", got, err)
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// TestCallbackPanic checks that a panic in a Session callback is the
// connection's failure, not the process's: the connection closes with 1011,
// the panic is logged (through log/slog's default logger) with its value
// and a stack, the Closed callback still runs with an error, and a new
// connection to the same server works.
func TestCallbackPanic(t *testing.T) {
	for _, where := range []string{"Established", "Receive", "Writeable"} {
		t.Run(where, func(t *testing.T) {
			logs := captureSlog(t)
			value := "golws test panic in " + where
			var made atomic.Int32
			closed := make(chan error, 2)
			s := startServer(t, func(*conn.Conn) conn.Session {
				p := &panicky{value: value, closed: closed}
				if made.Add(1) == 1 {
					p.where = where // only the first connection panics
				}
				return p
			}, conn.Options{})
			rc := dialRaw(t, s, "")
			if where != "Established" {
				if err := rc.writeFrame(true, 1, []byte("hello")); err != nil {
					t.Fatal(err)
				}
			}
			if code := rc.closeWithin(t, 5*time.Second); code != 1011 {
				t.Fatalf("close code %d, want 1011", code)
			}
			select {
			case err := <-closed:
				if err == nil {
					t.Error("Closed got nil after a panic")
				}
			case <-testCtx(t).Done():
				t.Fatal("Closed did not run after a panic")
			}
			checkPanicLogged(t, logs, value)
			echoWorks(t, s)
		})
	}
}

// TestNewSessionPanicStart checks that Start survives a panic in the
// newSession factory: it returns an error, aborts the transport it was
// given (no one else will use it), leaves the connection out of its Set so
// that waiting for the Set does not hang, and logs the panic.
func TestNewSessionPanicStart(t *testing.T) {
	logs := captureSlog(t)
	const value = "golws test panic in newSession"
	set := new(conn.Set)
	st := newStub()
	c, err := conn.Start(st, nil, func(*conn.Conn) conn.Session { panic(value) }, &conn.Options{Set: set})
	if err == nil {
		t.Fatalf("Start returned %v and no error after newSession panicked", c)
	}
	t.Logf("Start: %v", err)
	select {
	case <-st.aborted:
	default:
		t.Error("transport not aborted")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := set.Wait(ctx); err != nil {
		t.Errorf("Set still holds the connection whose Session was never made: %v", err)
	}
	checkPanicLogged(t, logs, value)
}

// TestNewSessionPanicServerKeepsServing checks a server whose session
// factory panics for one connection: Start returns an error for it, that
// client's connection is ended (not left open with nothing behind it), and
// the next connection is served.
func TestNewSessionPanicServerKeepsServing(t *testing.T) {
	logs := captureSlog(t)
	const value = "golws test panic in newSession"
	var made atomic.Int32
	startErrs := make(chan error, 2)
	set := new(conn.Set)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr, err := conn.AcceptWebSocket(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		_, err = conn.Start(tr, conn.InfoFromRequest(r, ""), func(*conn.Conn) conn.Session {
			if made.Add(1) == 1 {
				panic(value)
			}
			return &echo{}
		}, &conn.Options{Set: set})
		startErrs <- err
	}))
	s := &server{Server: hs, set: set}
	t.Cleanup(func() {
		hs.Close()
		set.CloseAll(conn.StatusGoingAway, "test over")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := set.Wait(ctx); err != nil {
			t.Errorf("connections did not end: %v", err)
		}
	})

	rc := dialRaw(t, s, "")
	select {
	case err := <-startErrs:
		if err == nil {
			t.Fatal("Start returned no error after newSession panicked")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start did not return after newSession panicked")
	}
	frames, err := rc.framesUntilEnd(3 * time.Second)
	if isTimeout(err) {
		t.Errorf("connection whose Session panicked still open (%d frames)", len(frames))
	}
	checkPanicLogged(t, logs, value)
	echoWorks(t, s)
	if err := <-startErrs; err != nil {
		t.Fatalf("Start for the second connection: %v", err)
	}
}
