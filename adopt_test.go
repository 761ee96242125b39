package lws_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
)

// rawEcho echoes each chunk (to its sender, for datagrams), holding one at
// a time. It greets with Greeting in Established when set.
type rawEcho struct {
	greeting string
	buf      []byte
	to       net.Addr
	pending  bool
}

func (s *rawEcho) Established(c *conn.Conn) error {
	if s.greeting != "" {
		s.buf, s.pending = []byte(s.greeting), true
		c.RequestWritable()
	}
	return nil
}

func (s *rawEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf = append(s.buf[:0], in.Data...)
	s.to, s.pending = in.Addr, true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (s *rawEcho) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	if s.to != nil {
		return c.WriteTo(s.buf, s.to)
	}
	return c.Write(conn.Binary, s.buf)
}

// rawEchoProtocol counts the sessions it makes.
func rawEchoProtocol(name, greeting string, sessions *atomic.Int32) *lws.Protocol {
	return &lws.Protocol{
		Name: name,
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
			if sessions != nil {
				sessions.Add(1)
			}
			return &rawEcho{greeting: greeting}
		},
	}
}

// rawVhost makes a Server with one vhost (no listener) speaking a raw
// echo protocol "raw-echo".
func rawVhost(t *testing.T, o lws.VhostOptions) (*lws.Server, *lws.Vhost) {
	t.Helper()
	c := lws.New(lwstest.Quiet())
	if o.Protocols == nil {
		o.Protocols = []*lws.Protocol{rawEchoProtocol("raw-echo", "", nil)}
	}
	v, err := c.NewVhost(o)
	if err != nil {
		t.Fatal(err)
	}
	return c, v
}

// talk writes msg to nc and reads len(want) bytes back.
func talk(t *testing.T, nc net.Conn, msg, want string) {
	t.Helper()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if msg != "" {
		if _, err := io.WriteString(nc, msg); err != nil {
			t.Fatal(err)
		}
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(nc, got); err != nil || string(got) != want {
		t.Fatalf("sent %q, read %q (%v), want %q", msg, got, err, want)
	}
}

// expectEOF checks that the peer has closed nc.
func expectEOF(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := nc.Read(make([]byte, 64)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read %d bytes, %v; want the end", n, err)
	}
}

func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}

func TestAdoptConn(t *testing.T) {
	ctx, v := rawVhost(t, lws.VhostOptions{})
	lwstest.Run(t, ctx)
	client, server := pair(t)
	c, err := v.AdoptConn(server, "raw-echo")
	if err != nil {
		t.Fatal(err)
	}
	if c.Info().Subprotocol != "raw-echo" || c.Info().RemoteAddr != client.LocalAddr().String() {
		t.Fatalf("info %+v", c.Info())
	}
	talk(t, client, "hello", "hello")
	if n := v.Protocol("raw-echo").Len(); n != 1 {
		t.Fatalf("protocol has %d connections", n)
	}
}

// TestUnknownProtocol: every way in names the protocols the vhost has, and
// closes what it was given.
func TestUnknownProtocol(t *testing.T) {
	ctx, v := rawVhost(t, lws.VhostOptions{})
	lwstest.Run(t, ctx)
	client, server := pair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		adopt  func() error
		closed func() bool
	}{
		{"AdoptConn", func() error { _, err := v.AdoptConn(server, "nope"); return err }, func() bool {
			expectEOF(t, client)
			return true
		}},
		{"AdoptFile", func() error { _, err := v.AdoptFile(r, "nope"); return err }, func() bool {
			return errors.Is(r.Close(), os.ErrClosed)
		}},
		{"AdoptUDP", func() error { _, err := v.AdoptUDP(pc, "nope"); return err }, func() bool {
			return errors.Is(pc.Close(), net.ErrClosed)
		}},
		{"AdoptListener", func() error { return v.AdoptListener(ln, "nope") }, func() bool {
			return errors.Is(ln.Close(), net.ErrClosed)
		}},
		{"ListenUDP", func() error { _, err := v.ListenUDP("127.0.0.1:0", "nope"); return err }, nil},
		{"DialRaw", func() error { return v.DialRaw(context.Background(), "127.0.0.1:1", "nope") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.adopt()
			if !errors.Is(err, lws.ErrNoProtocol) || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "raw-echo") {
				t.Fatalf("error %v", err)
			}
			if tt.closed != nil && !tt.closed() {
				t.Fatal("not closed")
			}
		})
	}
}

func TestAdoptListener(t *testing.T) {
	ctx, v := rawVhost(t, lws.VhostOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Adopted before Run: accepting starts with Run.
	if err := v.AdoptListener(ln, "raw-echo"); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctx.Run(runCtx) }()

	var clients []net.Conn
	for i := range 3 {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		talk(t, nc, strings.Repeat("x", i+1), strings.Repeat("x", i+1))
		clients = append(clients, nc)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, nc := range clients {
		expectEOF(t, nc) // shutdown closed the raw connections
	}
	if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the adopted listener was left open after Run (Close: %v)", err)
	}
	// After Run, nothing more is adopted.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.AdoptListener(ln2, "raw-echo"); !errors.Is(err, lws.ErrStopped) {
		t.Fatalf("AdoptListener after Run: %v", err)
	}
	if err := ln2.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatal("a listener refused after Run was left open")
	}
	_, server := pair(t)
	if _, err := v.AdoptConn(server, "raw-echo"); !errors.Is(err, conn.ErrClosed) {
		t.Fatalf("AdoptConn after Run: %v", err)
	}
	if err := v.DialRaw(context.Background(), "127.0.0.1:1", "raw-echo"); !errors.Is(err, lws.ErrStopped) {
		t.Fatalf("DialRaw after Run: %v", err)
	}
}

func TestDialRaw(t *testing.T) {
	var sessions atomic.Int32
	failures := make(chan *lws.DialError, 4)
	p := rawEchoProtocol("raw-client", "hello server\n", &sessions)
	p.ConnectError = func(vp *lws.VhostProtocol, err *lws.DialError) { failures <- err }
	ctx, v := rawVhost(t, lws.VhostOptions{Protocols: []*lws.Protocol{p}})

	// A plain TCP server: it reads the greeting, then sends a line the
	// client echoes back.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Dialled before Run: the dial waits for Run.
	if err := v.DialRaw(context.Background(), ln.Addr().String(), "raw-client"); err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, ctx)
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if line, err := br.ReadString('\n'); err != nil || line != "hello server\n" {
		t.Fatalf("greeting %q, %v", line, err)
	}
	talk(t, nc, "ping\n", "ping\n")

	// Failures reach ConnectError with the address and cause, and make no
	// session.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		addr string
		want error
	}{
		{"refused", context.Background(), deadAddr, syscall.ECONNREFUSED},
		{"bad address", context.Background(), "127.0.0.1", nil},
		{"context ended", expired, ln.Addr().String(), context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := sessions.Load()
			if err := v.DialRaw(tt.ctx, tt.addr, "raw-client"); err != nil {
				t.Fatal(err)
			}
			select {
			case de := <-failures:
				if de.Address != tt.addr || de.Protocol != "raw-client" || (tt.want != nil && !errors.Is(de, tt.want)) {
					t.Fatalf("ConnectError got %v", de)
				}
				if !strings.Contains(de.Error(), tt.addr) {
					t.Fatalf("error %q does not name the address", de)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no ConnectError within 10 s")
			}
			if sessions.Load() != before {
				t.Fatal("a failed dial made a session")
			}
		})
	}
}

func TestListenUDP(t *testing.T) {
	ctx, v := rawVhost(t, lws.VhostOptions{})
	lwstest.Run(t, ctx)
	c, err := v.ListenUDP("127.0.0.1:0", "raw-echo")
	if err != nil {
		t.Fatal(err)
	}
	addr, err := net.ResolveUDPAddr("udp", c.Info().Host)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := net.DialUDP("udp", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	talk(t, cl, "datagram", "datagram")
	if _, err := v.ListenUDP("256.0.0.1:0", "raw-echo"); err == nil {
		t.Fatal("ListenUDP on a bad address succeeded")
	}
}

func TestAdoptFile(t *testing.T) {
	got := make(chan string, 4)
	p := &lws.Protocol{
		Name: "fifo",
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
			return &collectSession{got: got}
		},
	}
	ctx, v := rawVhost(t, lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	lwstest.Run(t, ctx)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := v.AdoptFile(r, "fifo"); err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "through the pipe")
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Fatalf("got %q", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing read")
	}
}

type collectSession struct {
	conn.NopSession
	got chan string
}

func (s *collectSession) Receive(_ *conn.Conn, in conn.Chunk) error {
	s.got <- string(in.Data)
	return nil
}
