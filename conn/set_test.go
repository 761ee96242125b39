package conn_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

const setClients = 5

// dialAll opens n clients and waits until the server's set holds them all.
func dialAll(t *testing.T, s *server, n int) []*websocket.Conn {
	t.Helper()
	cs := make([]*websocket.Conn, n)
	for i := range cs {
		cs[i] = dial(t, s, nil)
	}
	waitFor(t, "every connection in the set", func() bool { return s.set.Len() == n })
	return cs
}

func TestSetRequestWritableAll(t *testing.T) {
	var round atomic.Int32 // what the server should send next
	s := startServer(t, func(*conn.Conn) conn.Session {
		sent := int32(0)
		return &funcSession{
			writeable: func(c *conn.Conn) error {
				r := round.Load()
				if r == sent {
					return nil // spurious
				}
				sent = r
				return c.Write(conn.Text, fmt.Appendf(nil, "round %d", r))
			},
		}
	}, conn.Options{})
	cs := dialAll(t, s, setClients)
	ctx := testCtx(t)
	for r := int32(1); r <= 3; r++ {
		round.Store(r)
		s.set.RequestWritableAll()
		for i, c := range cs {
			_, got, err := c.Read(ctx)
			if want := fmt.Sprintf("round %d", r); err != nil || string(got) != want {
				t.Fatalf("client %d: got %q, %v; want %q", i, got, err, want)
			}
		}
	}
}

func TestSetCloseAll(t *testing.T) {
	var sessions atomic.Int32
	closed := make(chan error, setClients)
	s := startServer(t, func(*conn.Conn) conn.Session {
		sessions.Add(1)
		return &funcSession{closed: func(_ *conn.Conn, err error) { closed <- err }}
	}, conn.Options{})
	cs := dialAll(t, s, setClients)
	ctx := testCtx(t)

	// While connections are live, Wait waits (and gives up with its context).
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.set.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with live connections: %v, want deadline exceeded", err)
	}

	s.set.CloseAll(conn.StatusGoingAway, "bye")
	for i, c := range cs {
		_, _, err := c.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway || ce.Reason != "bye" {
			t.Fatalf("client %d: read %v, want close 1001 \"bye\"", i, err)
		}
	}
	if err := s.set.Wait(ctx); err != nil {
		t.Fatalf("Wait after CloseAll: %v", err)
	}
	if n := s.set.Len(); n != 0 {
		t.Fatalf("set holds %d connections after Wait", n)
	}
	for range setClients {
		var ce *conn.CloseError
		if err := <-closed; !errors.As(err, &ce) || ce.Code != conn.StatusGoingAway {
			t.Fatalf("Closed got %v, want *CloseError 1001", err)
		}
	}

	// The set is shut: a new connection is refused and cut.
	c := dial(t, s, nil) // the handshake happens before Start
	_, _, err := c.Read(ctx)
	if err == nil || websocket.CloseStatus(err) != -1 {
		t.Fatalf("read on a connection started after CloseAll: %v, want it cut without a close frame", err)
	}
	if n := sessions.Load(); n != setClients {
		t.Fatalf("%d sessions made, want %d: Start made one for a shut set", n, setClients)
	}
	if n := s.set.Len(); n != 0 {
		t.Fatalf("set holds %d connections after it was shut", n)
	}
}

// stubTransport is a Transport with no wire: reads block until Abort.
type stubTransport struct {
	once    sync.Once
	aborted chan struct{}
}

func newStub() *stubTransport { return &stubTransport{aborted: make(chan struct{})} }

func (s *stubTransport) ReadChunk(func() []byte) (conn.Chunk, error) {
	<-s.aborted
	return conn.Chunk{}, net.ErrClosed
}
func (s *stubTransport) Write(conn.MessageType, []byte, bool) error { return nil }
func (s *stubTransport) Close(conn.StatusCode, string) error        { s.Abort(); return nil }
func (s *stubTransport) Abort()                                     { s.once.Do(func() { close(s.aborted) }) }

func TestStartAfterShut(t *testing.T) {
	var set conn.Set
	made := 0
	newSession := func(*conn.Conn) conn.Session {
		made++
		return conn.NopSession{}
	}

	live := newStub()
	c, err := conn.Start(live, nil, newSession, &conn.Options{Set: &set})
	if err != nil {
		t.Fatal(err)
	}
	set.Shut()
	if n := set.Len(); n != 1 {
		t.Fatalf("Shut dropped live connections: Len %d", n)
	}

	refused := newStub()
	c2, err := conn.Start(refused, nil, newSession, &conn.Options{Set: &set})
	if !errors.Is(err, conn.ErrClosed) || c2 != nil {
		t.Fatalf("Start after Shut: %v, %v; want nil, ErrClosed", c2, err)
	}
	select {
	case <-refused.aborted:
	default:
		t.Fatal("Start after Shut did not abort the transport")
	}
	if made != 1 {
		t.Fatalf("Start after Shut made a session")
	}

	c.Close(conn.StatusNormal, "")
	if err := set.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	if n := set.Len(); n != 0 {
		t.Fatalf("Len %d after Wait", n)
	}
}

// TestCloseAllDuringStart: a connection is in its Set before its session
// exists, so a CloseAll (a shutdown) can reach it while Start still runs
// the session factory. The close waits for the connection's first service
// run: Established, then the end, Closed exactly once — never a teardown
// racing Start's own (which closed a channel twice).
func TestCloseAllDuringStart(t *testing.T) {
	for range 50 {
		var set conn.Set
		inFactory, release := make(chan struct{}), make(chan struct{})
		var established, closed atomic.Int32
		started := make(chan error, 1)
		go func() {
			_, err := conn.Start(newStub(), nil, func(*conn.Conn) conn.Session {
				close(inFactory)
				<-release
				return &funcSession{
					established: func(*conn.Conn) error { established.Add(1); return nil },
					closed:      func(*conn.Conn, error) { closed.Add(1) },
				}
			}, &conn.Options{Set: &set})
			started <- err
		}()
		<-inFactory
		set.CloseAll(conn.StatusGoingAway, "shutdown")
		close(release)
		if err := <-started; err != nil {
			t.Fatal(err)
		}
		if err := set.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if e, c := established.Load(), closed.Load(); e != 1 || c != 1 {
			t.Fatalf("Established %d times, Closed %d times; want 1 and 1", e, c)
		}
	}
}
