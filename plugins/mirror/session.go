package mirror

import (
	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
)

// Session is one client of a mirror instance.
type Session struct {
	all  *instances
	in   *instance
	tail *flow.Tail[*message]

	rx *message // the message being received

	out    *message // the message being sent, nil between messages
	piece  int      // next piece of out to send
	offset int      // where that piece starts
}

func newSession(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
	name := "default"
	if u := c.Info().URL; u != nil {
		if q := u.Query().Get("mirror"); q != "" {
			name = q
		}
	}
	all := vp.State.(*instances)
	in, tail := all.join(name, c)
	return &Session{all: all, in: in, tail: tail}
}

// Skipped is how many messages this client has missed by falling behind.
func (s *Session) Skipped() uint64 { return s.tail.Skipped() }

// Receive gathers a message and publishes it once it is complete.
func (s *Session) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.First {
		s.rx = &message{typ: in.Type}
	}
	if s.rx == nil {
		return nil
	}
	if len(s.rx.data)+len(in.Data) > MaxMessage {
		return conn.CloseWith(conn.StatusTooBig, "mirror message too big")
	}
	s.rx.data = append(s.rx.data, in.Data...)
	s.rx.pieces = append(s.rx.pieces, len(in.Data))
	if in.Final {
		s.all.publish(s.in, s.rx)
		s.rx = nil
	}
	return nil
}

// Writeable sends the next piece of the next message from this client's tail.
func (s *Session) Writeable(c *conn.Conn) error {
	if s.out == nil {
		m, ok := s.tail.Next()
		if !ok {
			return nil // caught up, or a writeable nobody asked for
		}
		s.out, s.piece, s.offset = m, 0, 0
	}
	m := s.out
	n := m.pieces[s.piece]
	p := m.data[s.offset : s.offset+n]
	final := s.piece == len(m.pieces)-1
	s.piece++
	s.offset += n
	if final {
		s.out = nil
	}
	if !final || s.tail.Lag() > 0 {
		c.RequestWritable()
	}
	return c.WriteFragment(m.typ, p, final)
}

// Closed leaves the instance.
func (s *Session) Closed(c *conn.Conn, _ error) {
	s.tail.Close()
	s.all.leave(s.in, c)
}
