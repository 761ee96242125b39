package conn_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // extended CONNECT in Go's HTTP/2 server and client
	"github.com/golws/lws/internal/testwait"
)

// h2Server serves WebSockets over HTTP/2 streams (and HTTP/1.1 upgrades),
// over TLS or h2c, counting the TCP connections it accepts.
type h2Server struct {
	*httptest.Server
	set   *conn.Set
	conns atomic.Int32
	tls   bool
	roots *x509.CertPool

	mu sync.Mutex
	hc *conn.H2Conn // the client connection the tests share
}

// h2conn returns the HTTP/2 client connection to s the test's WebSockets
// share, opening it on first use.
func (s *h2Server) h2conn(t *testing.T) *conn.H2Conn {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hc == nil {
		s.hc = s.open(t) // closed with s, whichever test opened it
	}
	return s.hc
}

// dial opens a client HTTP/2 connection to s of its own, closed when the
// test ends.
func (s *h2Server) dial(t *testing.T) *conn.H2Conn {
	t.Helper()
	hc := s.open(t)
	t.Cleanup(func() { hc.Close() })
	return hc
}

// open opens a client HTTP/2 connection to s.
func (s *h2Server) open(t *testing.T) *conn.H2Conn {
	t.Helper()
	nc, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if s.tls {
		tc := tls.Client(nc, &tls.Config{RootCAs: s.roots, ServerName: "example.com", NextProtos: []string{"h2"}})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		nc = tc
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

func startH2Server(t *testing.T, useTLS bool, newSession func(*conn.Conn) conn.Session, opts conn.Options, accept *websocket.AcceptOptions) *h2Server {
	t.Helper()
	return startH2(t, useTLS, newSession, opts, accept, nil)
}

// startH2 starts an h2Server; plain, if set, answers the requests that are
// not WebSockets over HTTP/2.
func startH2(t *testing.T, useTLS bool, newSession func(*conn.Conn) conn.Session, opts conn.Options, accept *websocket.AcceptOptions, plain http.Handler) *h2Server {
	t.Helper()
	s := &h2Server{set: new(conn.Set), tls: useTLS}
	opts.Set = s.set
	if accept == nil {
		accept = &websocket.AcceptOptions{InsecureSkipVerify: true}
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if plain != nil && !conn.IsWebSocketConnect(r) {
			plain.ServeHTTP(w, r)
			return
		}
		var u *conn.H2Upgrade
		if conn.IsWebSocketConnect(r) {
			u, r = conn.NewH2Upgrade(w, r)
			w = u
			defer u.Wait()
		}
		ws, err := conn.AcceptWebSocket(w, r, accept)
		if err != nil {
			return
		}
		conn.Start(ws, conn.InfoFromRequest(r, ""), newSession, &opts)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	if useTLS {
		s.EnableHTTP2 = true
		s.StartTLS()
		s.roots = s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	} else {
		s.Config.Protocols = new(http.Protocols)
		s.Config.Protocols.SetHTTP1(true)
		s.Config.Protocols.SetUnencryptedHTTP2(true)
		s.Start()
	}
	t.Cleanup(func() {
		s.set.CloseAll(conn.StatusGoingAway, "test over")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.set.Wait(ctx); err != nil {
			t.Errorf("server connections left: %v", err)
		}
		s.mu.Lock()
		if s.hc != nil {
			s.hc.Close()
		}
		s.mu.Unlock()
		s.Server.Close()
	})
	return s
}

func (s *h2Server) wsURL() string {
	if s.tls {
		return "wss" + strings.TrimPrefix(s.URL, "https")
	}
	return "ws" + strings.TrimPrefix(s.URL, "http")
}

// msgClient is a client session that sends queued messages one per
// writeable and hands whole received messages to in.
type msgClient struct {
	text   bool // send text messages; else binary
	mu     sync.Mutex
	queue  [][]byte
	cur    []byte
	in     chan []byte
	sent   atomic.Int64 // bytes written
	closed chan error
}

func newMsgClient() *msgClient {
	return &msgClient{in: make(chan []byte, 256), closed: make(chan error, 1)}
}

func (m *msgClient) Receive(c *conn.Conn, in conn.Chunk) error {
	m.cur = append(m.cur, in.Data...)
	if in.Final {
		m.in <- m.cur
		m.cur = nil
	}
	return nil
}

func (m *msgClient) Writeable(c *conn.Conn) error {
	m.mu.Lock()
	if len(m.queue) == 0 {
		m.mu.Unlock()
		return nil
	}
	msg := m.queue[0]
	m.queue = m.queue[1:]
	more := len(m.queue) > 0
	m.mu.Unlock()
	if more {
		c.RequestWritable()
	}
	m.sent.Add(int64(len(msg)))
	typ := conn.Binary
	if m.text {
		typ = conn.Text
	}
	return c.Write(typ, msg)
}

func (m *msgClient) Closed(c *conn.Conn, err error) { m.closed <- err }

func (m *msgClient) send(c *conn.Conn, msgs ...[]byte) {
	m.mu.Lock()
	m.queue = append(m.queue, msgs...)
	m.mu.Unlock()
	c.RequestWritable()
}

func (m *msgClient) recv(t *testing.T, ctx context.Context) []byte {
	t.Helper()
	select {
	case b := <-m.in:
		return b
	case <-ctx.Done():
		t.Fatal("no message")
		return nil
	}
}

// dialH2 opens a client WebSocket over s's HTTP/2 transport.
func dialH2(t *testing.T, s *h2Server, opts *websocket.DialOptions) (*conn.Conn, *msgClient) {
	t.Helper()
	ws, resp, err := conn.DialWebSocketH2(testCtx(t), s.wsURL(), s.h2conn(t), opts)
	if err != nil {
		t.Fatalf("dial over HTTP/2: %v", err)
	}
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != 2 {
		t.Fatalf("handshake answered %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
	m := newMsgClient()
	c, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session { return m }, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close(conn.StatusNormal, "")
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Error("client connection did not end")
		}
	})
	return c, m
}

func TestH2Echo(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
		mode websocket.CompressionMode
	}{
		{"tls", true, websocket.CompressionDisabled},
		{"h2c", false, websocket.CompressionDisabled},
		{"tls-deflate", true, websocket.CompressionContextTakeover},
		{"h2c-deflate-nocontext", false, websocket.CompressionNoContextTakeover},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startH2Server(t, tc.tls, newEcho, conn.Options{RxBufferSize: 4096},
				&websocket.AcceptOptions{InsecureSkipVerify: true, CompressionMode: tc.mode})
			c, m := dialH2(t, s, &websocket.DialOptions{CompressionMode: tc.mode})
			if got, want := c.Transport().(*conn.WebSocket).Compressed(), tc.mode != websocket.CompressionDisabled; got != want {
				t.Fatalf("compressed %v, want %v", got, want)
			}
			ctx := testCtx(t)
			for _, n := range []int{0, 1, 1000, 70_000, 1 << 20} {
				msg := bytes.Repeat([]byte("golws over h2 "), n/14+1)[:n]
				m.send(c, msg)
				if got := m.recv(t, ctx); !bytes.Equal(got, msg) {
					t.Fatalf("echo of %d bytes: got %d", n, len(got))
				}
			}
			if n := s.conns.Load(); n != 1 {
				t.Fatalf("%d TCP connections, want 1", n)
			}
		})
	}
}

// TestH2ManyOnOneConnection opens many WebSockets on one HTTP/2 connection;
// closing one leaves the others working.
func TestH2ManyOnOneConnection(t *testing.T) {
	const n = 20
	s2 := startH2Server(t, true, newEcho, conn.Options{}, nil)
	cs := make([]*conn.Conn, n)
	ms := make([]*msgClient, n)
	for i := range cs {
		cs[i], ms[i] = dialH2(t, s2, nil)
	}
	ctx := testCtx(t)
	if got := s2.conns.Load(); got != 1 {
		t.Fatalf("%d WebSockets made %d TCP connections, want 1", n, got)
	}
	cs[0].Close(conn.StatusNormal, "one goes")
	select {
	case err := <-ms[0].closed:
		var ce *conn.CloseError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("closed with %v", err)
		}
	case <-ctx.Done():
		t.Fatal("closed WebSocket did not end")
	}
	waitFor(t, "server side of the closed WebSocket to end", func() bool { return s2.set.Len() == n-1 })
	for i := 1; i < n; i++ {
		msg := []byte{byte(i), 'x'}
		ms[i].send(cs[i], msg)
		if got := ms[i].recv(t, ctx); !bytes.Equal(got, msg) {
			t.Fatalf("WebSocket %d echoed %q", i, got)
		}
	}
	if got := s2.conns.Load(); got != 1 {
		t.Fatalf("%d TCP connections, want 1", got)
	}
}

// TestH2CloseCodes checks that close codes and reasons cross the stream both
// ways.
func TestH2CloseCodes(t *testing.T) {
	serverClosed := make(chan error, 1)
	s := startH2Server(t, false, func(*conn.Conn) conn.Session {
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				if string(in.Data) == "close" {
					return &conn.CloseError{Code: 4001, Reason: "asked"}
				}
				return nil
			},
			closed: func(c *conn.Conn, err error) { serverClosed <- err },
		}
	}, conn.Options{}, nil)
	ctx := testCtx(t)

	c, m := dialH2(t, s, nil)
	m.send(c, []byte("close"))
	select {
	case err := <-m.closed:
		var ce *conn.CloseError
		if !errors.As(err, &ce) || ce.Code != 4001 {
			t.Fatalf("client closed with %v, want close 4001", err)
		}
	case <-ctx.Done():
		t.Fatal("client not closed")
	}
	<-serverClosed

	c2, _ := dialH2(t, s, nil)
	c2.Close(4002, "client goes")
	select {
	case err := <-serverClosed:
		var ce *conn.CloseError
		if !errors.As(err, &ce) || ce.Code != 4002 {
			t.Fatalf("server closed with %v, want close 4002", err)
		}
	case <-ctx.Done():
		t.Fatal("server not closed")
	}
}

// TestH2RxFlowControl checks that rx off on the server closes the stream's
// receive window: the client's writes stall (its earned writeables stop),
// and everything arrives once rx is on again.
func TestH2RxFlowControl(t *testing.T) {
	const (
		msgSize  = 64 << 10
		messages = 256 // 16 MiB, far past the stream's 1 MiB window
	)
	stopped := make(chan *conn.Conn, 1)
	var received atomic.Int64
	done := make(chan struct{})
	s := startH2Server(t, false, func(*conn.Conn) conn.Session {
		first := true
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				if first {
					first = false
					c.SetRx(false)
					stopped <- c
				}
				if received.Add(int64(len(in.Data))) == msgSize*messages {
					close(done)
				}
				return nil
			},
		}
	}, conn.Options{}, nil)
	ctx := testCtx(t)
	c, m := dialH2(t, s, nil)
	msgs := make([][]byte, messages)
	for i := range msgs {
		msgs[i] = make([]byte, msgSize)
	}
	m.send(c, msgs...)
	var sc *conn.Conn
	select {
	case sc = <-stopped:
	case <-ctx.Done():
		t.Fatal("nothing reached the server")
	}
	stall := testwait.Stall(t, "client's sent bytes", m.sent.Load, 300*time.Millisecond, 8*time.Second)
	t.Logf("rx off: the client stalled after %d bytes", stall)
	if stall >= msgSize*messages/2 {
		t.Fatalf("client sent %d bytes with rx off: no backpressure", stall)
	}
	sc.SetRx(true)
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("server received %d of %d bytes after rx on", received.Load(), msgSize*messages)
	}
}

// TestH2Pings checks that the engine's pings are answered over a stream:
// the server hears pongs, and a quiet connection outlives many ping
// intervals.
func TestH2Pings(t *testing.T) {
	closed := make(chan error, 1)
	var sc atomic.Pointer[conn.Conn]
	s := startH2Server(t, true, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error { sc.Store(c); return nil },
			closed:      func(c *conn.Conn, err error) { closed <- err },
		}
	}, conn.Options{PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond}, nil)
	dialH2(t, s, nil)
	waitFor(t, "server connection", func() bool { return sc.Load() != nil })
	// A pong from a client is 6 bytes: the server has heard ten of them.
	waitFor(t, "ten pongs", func() bool { return sc.Load().Transport().(conn.Pinger).Heard() >= 60 })
	select {
	case err := <-closed:
		t.Fatalf("a live peer was closed: %v", err)
	default:
	}
}

// TestH2AbortUnblocksWrite checks that a connection whose writes wait for a
// stream window the peer never opens still ends at once when aborted.
func TestH2AbortUnblocksWrite(t *testing.T) {
	big := make([]byte, 8<<20)
	var sc atomic.Pointer[conn.Conn]
	s := startH2Server(t, false, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error {
				sc.Store(c)
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error {
				c.RequestWritable()
				return c.Write(conn.Binary, big)
			},
		}
	}, conn.Options{}, nil)
	c, _ := dialH2(t, s, nil)
	c.SetRx(false)
	waitFor(t, "server connection", func() bool { return sc.Load() != nil })
	waitFor(t, "server writes to block", func() bool { return sc.Load().WriteAllowance() == 0 })
	sc.Load().Abort()
	select {
	case <-sc.Load().Done():
	case <-time.After(5 * time.Second):
		t.Fatal("an aborted connection blocked in a write did not end")
	}
}

// TestH2FaultsStayLocal: over an HTTP/2 stream as over a socket, a message
// over MaxMessageSize closes with 1009, invalid UTF-8 in a text message
// with 1007, and a panicking callback with 1011 — each only its own
// WebSocket: another on the same connection still echoes.
func TestH2FaultsStayLocal(t *testing.T) {
	tests := []struct {
		name string
		send []byte
		want conn.StatusCode
	}{
		{"too big", bytes.Repeat([]byte{'a'}, 2048), conn.StatusTooBig},
		{"invalid UTF-8", []byte{'o', 'k', 0xff, 0xfe}, conn.StatusInvalidPayload},
		{"panic", []byte("panic"), conn.StatusInternalError},
	}
	s := startH2Server(t, false, func(*conn.Conn) conn.Session {
		e := &echo{}
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				if string(in.Data) == "panic" {
					panic("a session's own bug")
				}
				return e.Receive(c, in)
			},
			writeable: e.Writeable,
		}
	}, conn.Options{MaxMessageSize: 1024}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bystander, bm := dialH2(t, s, nil)
			c, m := dialH2(t, s, nil)
			m.text = true // before the first send asks for a Writeable
			m.send(c, tt.send)
			select {
			case err := <-m.closed:
				var ce *conn.CloseError
				if !errors.As(err, &ce) || ce.Code != tt.want {
					t.Fatalf("closed with %v, want %d", err, tt.want)
				}
			case <-testCtx(t).Done():
				t.Fatal("not closed")
			}
			bm.send(bystander, []byte("still here"))
			select {
			case got := <-bm.in:
				if string(got) != "still here" {
					t.Fatalf("bystander echo %q", got)
				}
			case <-testCtx(t).Done():
				t.Fatal("the other WebSocket on the connection stopped")
			}
		})
	}
}

// TestH2FragmentsStream: over an HTTP/2 stream, a fragment is delivered
// when it arrives, both ways: each side gets the first fragment of a
// message while the other has not yet written the last, which it writes
// only once told the first has come.
func TestH2FragmentsStream(t *testing.T) {
	type chunk struct {
		data  string
		final bool
	}
	serverGot := make(chan chunk, 4)
	var serverStep int // under the server connection's callbacks
	var goAsked bool
	s := startH2Server(t, false, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error { c.RequestWritable(); return nil },
			receive: func(c *conn.Conn, in conn.Chunk) error {
				serverGot <- chunk{string(in.Data), in.Final}
				if string(in.Data) == "go" {
					goAsked = true
					c.RequestWritable()
				}
				return nil
			},
			writeable: func(c *conn.Conn) error {
				switch {
				case serverStep == 0:
					serverStep++
					return c.WriteFragment(conn.Text, []byte("one"), false)
				case serverStep == 1 && goAsked:
					serverStep++
					return c.WriteFragment(conn.Text, []byte(" two"), true)
				}
				return nil
			},
		}
	}, conn.Options{}, nil)

	clientGot := make(chan chunk, 4)
	ws, _, err := conn.DialWebSocketH2(testCtx(t), s.wsURL(), s.h2conn(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	sendNext := make(chan string, 4)
	c, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session {
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				clientGot <- chunk{string(in.Data), in.Final}
				return nil
			},
			writeable: func(c *conn.Conn) error {
				select {
				case m := <-sendNext:
					return c.WriteFragment(conn.Text, []byte(m), m != "a")
				default:
					return nil
				}
			},
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		c.Close(conn.StatusNormal, "")
		<-c.Done()
	}()
	expect := func(ch chan chunk, want chunk) {
		t.Helper()
		select {
		case got := <-ch:
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		case <-testCtx(t).Done():
			t.Fatalf("no %+v", want)
		}
	}
	// Server to client: "one" arrives before " two" is written.
	expect(clientGot, chunk{"one", false})
	// Client to server: "a" arrives before the message's end is written.
	sendNext <- "a"
	c.RequestWritable()
	expect(serverGot, chunk{"a", false})
	sendNext <- "b"
	c.RequestWritable()
	expect(serverGot, chunk{"b", true})
	// Now the server may finish its message.
	sendNext <- "go"
	c.RequestWritable()
	expect(serverGot, chunk{"go", true})
	expect(clientGot, chunk{" two", true})
}
