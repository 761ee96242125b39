// Package dumbinc is the dumb-increment protocol plugin of the lws test
// server: each connection receives an increasing number, as text, every
// 50 ms. A client that sends "reset\n" starts its count again from zero; one
// that sends "closeme\n" is closed with 1001 and a reason.
package dumbinc

import (
	"strconv"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// Name is the protocol's name, the WebSocket subprotocol.
const Name = "dumb-increment-protocol"

// Interval is how often the number is sent.
const Interval = 50 * time.Millisecond

// Protocol is the registered dumb-increment protocol.
var Protocol = &lws.Protocol{
	Name:         Name,
	RxBufferSize: 64,
	NewSession:   func(*lws.VhostProtocol, *conn.Conn) conn.Session { return new(Session) },
}

func init() { lws.Register(Protocol) }

// Session is one connection's counter. Its timer (the connection's own,
// serialized with the other callbacks) only asks for a writeable; the number
// is produced in Writeable, when the peer can take it, so a slow peer gets
// fewer numbers rather than a growing queue.
type Session struct {
	n   int
	buf []byte
	due bool // set by Timer, taken by Writeable
}

// Established starts the ticking.
func (s *Session) Established(c *conn.Conn) error {
	c.SetTimer(Interval)
	return nil
}

// Timer asks for the writeable that sends the next number.
func (s *Session) Timer(c *conn.Conn) error {
	s.due = true
	c.RequestWritable()
	return nil
}

// Receive handles the "reset\n" and "closeme\n" commands.
func (s *Session) Receive(c *conn.Conn, in conn.Chunk) error {
	switch string(in.Data) {
	case "reset\n":
		s.n = 0
	case "closeme\n":
		return conn.CloseWith(conn.StatusGoingAway, "seeya")
	}
	return nil
}

// Writeable sends the next number and re-arms the timer.
func (s *Session) Writeable(c *conn.Conn) error {
	if !s.due {
		return nil // not the timer's request
	}
	s.due = false
	s.buf = strconv.AppendInt(s.buf[:0], int64(s.n), 10)
	s.n++
	if err := c.Write(conn.Text, s.buf); err != nil {
		return err
	}
	c.SetTimer(Interval)
	return nil
}
