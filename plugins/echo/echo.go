// Package echo is the echo protocol plugin: every message a client sends
// comes back to it, of the same type and with the same fragment boundaries
// as received chunks.
//
// It is written the libwebsockets way. A received chunk is kept and rx is
// turned off until the chunk has been written back, so a client that sends
// faster than it reads is slowed down by TCP instead of growing the server's
// memory: each connection holds at most one chunk (RxBufferSize, 16 KiB),
// whatever the size of the messages, and gives it back to a pool once the
// message has been echoed, so an idle connection holds none.
package echo

import (
	"sync"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// Name is the protocol's name, the WebSocket subprotocol.
const Name = "lws-echo"

// Protocol is the registered echo protocol. Copy it to change settings such
// as Compression or RxBufferSize.
var Protocol = &lws.Protocol{
	Name:         Name,
	RxBufferSize: RxBufferSize,
	NewSession:   func(*lws.VhostProtocol, *conn.Conn) conn.Session { return new(Session) },
}

// RxBufferSize is the largest chunk echoed in one write: messages larger
// than this go back as several fragments.
const RxBufferSize = 16 << 10

// chunks recycles the copies of received chunks between connections.
var chunks = sync.Pool{New: func() any { return new([]byte) }}

func init() { lws.Register(Protocol) }

// Session is one echo connection's state: the chunk waiting to go back.
type Session struct {
	buf     *[]byte // pooled copy of the chunk; nil between messages
	typ     conn.MessageType
	final   bool
	pending bool
}

// Receive keeps the chunk and holds rx off until it is written back.
func (s *Session) Receive(c *conn.Conn, in conn.Chunk) error {
	if s.buf == nil {
		s.buf = chunks.Get().(*[]byte)
	}
	*s.buf = append((*s.buf)[:0], in.Data...)
	s.typ, s.final, s.pending = in.Type, in.Final, true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

// Writeable sends the kept chunk as the next fragment of the echoed message.
func (s *Session) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil // a writeable we did not ask for: nothing to send
	}
	s.pending = false
	err := c.WriteFragment(s.typ, *s.buf, s.final)
	if s.final {
		chunks.Put(s.buf)
		s.buf = nil
	}
	c.SetRx(true)
	return err
}
