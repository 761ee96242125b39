package udp_test

import (
	"bytes"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/udp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echo replies to each datagram, holding one at a time: rx is off until it
// has been sent. It keeps every sender address it was given.
type echo struct {
	buf   []byte
	to    net.Addr
	addrs []net.Addr
	errs  chan error
	seen  chan []net.Addr
}

func (e *echo) Receive(c *conn.Conn, in conn.Chunk) error {
	e.buf = append(e.buf[:0], in.Data...)
	e.to = in.Addr
	e.addrs = append(e.addrs, in.Addr)
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (e *echo) Writeable(c *conn.Conn) error {
	if e.to == nil {
		return nil
	}
	err := c.WriteTo(e.buf, e.to)
	e.to = nil
	c.SetRx(true)
	if err != nil {
		e.errs <- err
	}
	return nil // a failed send is reported, and the socket carries on
}

func (e *echo) Closed(*conn.Conn, error) { e.seen <- e.addrs }

func newEcho() *echo { return &echo{errs: make(chan error, 4), seen: make(chan []net.Addr, 1)} }

func start(t *testing.T, pc net.PacketConn, sess conn.Session, opts *conn.Options) (*conn.Conn, *udp.Socket) {
	t.Helper()
	s := udp.New(pc)
	c, err := conn.Start(s, nil, func(*conn.Conn) conn.Session { return sess }, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(conn.StatusNormal, ""); waitDone(t, c) })
	return c, s
}

func waitDone(t *testing.T, c *conn.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection did not end within 10 s")
	}
}

func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return pc
}

// exchange sends msg from client and returns the reply.
func exchange(t *testing.T, client *net.UDPConn, msg string) string {
	t.Helper()
	if _, err := client.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 2048)
	n, err := client.Read(b)
	if err != nil {
		t.Fatalf("no reply to %q: %v", msg, err)
	}
	return string(b[:n])
}

// hidden hides the *net.UDPConn behind the plain PacketConn interface.
type hidden struct{ net.PacketConn }

func TestEcho(t *testing.T) {
	tests := []struct {
		name string
		wrap func(*net.UDPConn) net.PacketConn
	}{
		{"UDPConn", func(u *net.UDPConn) net.PacketConn { return u }},
		{"any PacketConn", func(u *net.UDPConn) net.PacketConn { return hidden{u} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := listen(t)
			e := newEcho()
			c, _ := start(t, tt.wrap(srv), e, nil)
			var clients []*net.UDPConn
			for range 3 {
				cl, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
				if err != nil {
					t.Fatal(err)
				}
				defer cl.Close()
				clients = append(clients, cl)
			}
			for round := range 2 {
				for i, cl := range clients {
					msg := string(rune('a'+i)) + string(rune('0'+round))
					if got := exchange(t, cl, msg); got != msg {
						t.Fatalf("client %d got %q, want %q", i, got, msg)
					}
				}
			}
			c.Close(conn.StatusNormal, "")
			addrs := <-e.seen
			// Every address the session kept still names its sender: each
			// was a copy, not a buffer reused by later reads.
			if len(addrs) != 6 {
				t.Fatalf("kept %d addresses", len(addrs))
			}
			for i, a := range addrs {
				want := clients[i%3].LocalAddr().String()
				if a.String() != want {
					t.Fatalf("address %d is %v, want %v", i, a, want)
				}
			}
			select {
			case err := <-e.errs:
				t.Fatalf("send error: %v", err)
			default:
			}
		})
	}
}

func TestSendErrorIsReported(t *testing.T) {
	peer := listen(t)
	defer peer.Close()
	e := &sender{to: peer.LocalAddr(), p: make([]byte, 70_000), errs: make(chan error, 1)}
	start(t, listen(t), e, nil)
	select {
	case err := <-e.errs:
		if !errors.Is(err, syscall.EMSGSIZE) {
			t.Fatalf("a 70000-byte datagram gave %v, want EMSGSIZE", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no send result")
	}
}

// sender sends p to to once, in its first writeable, and reports the result.
type sender struct {
	to   net.Addr
	p    []byte
	errs chan error
	done bool
}

func (s *sender) Established(c *conn.Conn) error { c.RequestWritable(); return nil }
func (s *sender) Receive(*conn.Conn, conn.Chunk) error {
	return nil
}
func (s *sender) Writeable(c *conn.Conn) error {
	if s.done {
		return nil
	}
	s.done = true
	s.errs <- c.WriteTo(s.p, s.to)
	return nil
}

// short is a PacketConn that sends one byte less than it is given.
type short struct{ net.PacketConn }

func (s short) WriteTo(p []byte, addr net.Addr) (int, error) {
	n, err := s.PacketConn.WriteTo(p[:len(p)-1], addr)
	return n, err
}

func TestShortSendIsReported(t *testing.T) {
	peer := listen(t)
	defer peer.Close()
	e := &sender{to: peer.LocalAddr(), p: []byte("hello"), errs: make(chan error, 1)}
	start(t, short{listen(t)}, e, nil)
	var se *conn.ShortWriteError
	select {
	case err := <-e.errs:
		if !errors.As(err, &se) || se.Written != 4 || se.Total != 5 {
			t.Fatalf("got %v, want a short write of 4 of 5 bytes", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no send result")
	}
}

func TestWriteNeedsAPeer(t *testing.T) {
	peer := listen(t)
	defer peer.Close()
	connected, err := net.DialUDP("udp", nil, peer.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pc   net.PacketConn
		want error
	}{
		{"unconnected", listen(t), udp.ErrNoPeer},
		{"connected", connected, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := udp.New(tt.pc)
			defer s.Abort()
			if err := s.Write(conn.Binary, []byte("x"), true); !errors.Is(err, tt.want) {
				t.Fatalf("Write: %v, want %v", err, tt.want)
			}
		})
	}
	peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 16)
	if n, _, err := peer.ReadFrom(b); err != nil || string(b[:n]) != "x" {
		t.Fatalf("peer got %q, %v", b[:n], err)
	}
}

func TestTruncated(t *testing.T) {
	srv := listen(t)
	got := make(chan []byte, 1)
	sess := &collector{got: got}
	_, s := start(t, srv, sess, &conn.Options{RxBufferSize: 16})
	cl, err := net.DialUDP("udp", nil, srv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	msg := bytes.Repeat([]byte("0123456789"), 10)
	if _, err := cl.Write(msg); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if !bytes.Equal(p, msg[:16]) {
			t.Fatalf("got %q", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no datagram")
	}
	if n := s.Truncated(); n != 1 {
		t.Fatalf("Truncated() = %d, want 1", n)
	}
}

type collector struct {
	conn.NopSession
	got chan []byte
}

func (c *collector) Receive(_ *conn.Conn, in conn.Chunk) error {
	c.got <- bytes.Clone(in.Data)
	return nil
}
