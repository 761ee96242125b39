package raw_test

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/raw"
)

// session is a Session made of optional funcs.
type session struct {
	established func(c *conn.Conn) error
	receive     func(c *conn.Conn, in conn.Chunk) error
	writeable   func(c *conn.Conn) error
	closed      func(c *conn.Conn, err error)
}

func (s *session) Established(c *conn.Conn) error {
	if s.established != nil {
		return s.established(c)
	}
	return nil
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	if s.receive != nil {
		return s.receive(c, in)
	}
	return nil
}

func (s *session) Writeable(c *conn.Conn) error {
	if s.writeable != nil {
		return s.writeable(c)
	}
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	if s.closed != nil {
		s.closed(c, err)
	}
}

// echoSession echoes each chunk, holding at most one: rx is off while it
// waits to be written. It counts its Closed calls and reports the cause.
type echoSession struct {
	buf     []byte
	pending bool
	closes  atomic.Int32
	cause   chan error
	check   func(in conn.Chunk) // called on each chunk, if set
}

func newEcho() *echoSession { return &echoSession{cause: make(chan error, 1)} }

func (s *echoSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if s.check != nil {
		s.check(in)
	}
	s.buf = append(s.buf[:0], in.Data...)
	s.pending = true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (s *echoSession) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	return c.Write(conn.Binary, s.buf)
}

func (s *echoSession) Closed(_ *conn.Conn, err error) {
	if s.closes.Add(1) == 1 {
		s.cause <- err
	}
}

// newSocket wraps a server end with no first bytes.
func newSocket(nc net.Conn) conn.Transport { return raw.NewSocket(nc, nil) }

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (client, server net.Conn) { return benchPair(t) }

// benchPair returns both ends of a loopback TCP connection; the client end
// is closed when the test ends.
func benchPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		nc, _ := ln.Accept()
		accepted <- nc
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close() })
	return client, server
}

// startSocket runs sess over a raw Socket on the server end of a new TCP
// pair and returns the client end. The connection is closed and waited for
// when the test ends.
func startSocket(t *testing.T, first []byte, sess conn.Session, opts *conn.Options) (net.Conn, *conn.Conn) {
	t.Helper()
	client, server := tcpPair(t)
	c, err := conn.Start(raw.NewSocket(server, first), nil, func(*conn.Conn) conn.Session { return sess }, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close(conn.StatusNormal, "")
		waitDone(t, c)
	})
	return client, c
}

func waitDone(t *testing.T, c *conn.Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection did not end within 10 s")
	}
}

func recvCause(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("no Closed callback within 10 s")
		return nil
	}
}
