package conn_test

import (
	"testing"

	"github.com/golws/lws/conn"
)

// TestWriteAllowance checks lws_get_peer_write_allowance's counterpart: a
// WebSocket on a socket reports its free send buffer, which shrinks to 0
// while a peer that reads nothing leaves output waiting, and a transport
// with no such notion reports -1.
func TestWriteAllowance(t *testing.T) {
	conns := make(chan *conn.Conn, 1)
	first := make(chan int, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error {
				first <- c.WriteAllowance()
				conns <- c
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error {
				c.RequestWritable()
				return c.Write(conn.Binary, make([]byte, 256<<10))
			},
		}
	}, conn.Options{})
	_ = dialRaw(t, s, "") // reads nothing

	if a := <-first; a <= 0 {
		t.Fatalf("allowance of an idle socket: %d, want > 0", a)
	}
	c := <-conns
	waitFor(t, "allowance 0 while the peer reads nothing", func() bool { return c.WriteAllowance() == 0 })
}

// TestWriteAllowanceUnknown checks that a transport that cannot tell
// reports -1.
func TestWriteAllowanceUnknown(t *testing.T) {
	c, err := conn.Start(newStub(), nil, func(*conn.Conn) conn.Session { return conn.NopSession{} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close(conn.StatusNormal, ""); <-c.Done() }()
	if a := c.WriteAllowance(); a != -1 {
		t.Fatalf("allowance %d, want -1", a)
	}
}
