package mirror

import (
	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/hub"
)

// Session is one client of a mirror instance.
type Session struct {
	all *instances
	in  *instance
	sub *hub.Subscription
	pub *hub.Publisher

	rx *hub.Message // the message being received

	out    *hub.Message // the message being sent, nil between messages
	piece  int          // next piece of out to send
	offset int          // where that piece starts
}

func newSession(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
	name := "default"
	if u := c.Info().URL; u != nil {
		if q := u.Query().Get("mirror"); q != "" {
			name = q
		}
	}
	all := vp.State.(*instances)
	in, err := all.join(name, c)
	if err != nil {
		c.Close(conn.StatusGoingAway, "mirror unavailable")
		return conn.NopSession{}
	}
	return &Session{all: all, in: in, sub: in.topic.Subscribe(c.RequestWritable), pub: in.topic.NewPublisher(c)}
}

// Skipped is how many messages this client has missed by falling behind.
func (s *Session) Skipped() uint64 { return s.sub.Skipped() }

// Receive gathers a message and publishes it once it is complete.
func (s *Session) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.First {
		s.rx = &hub.Message{Type: in.Type}
	}
	if s.rx == nil {
		return nil
	}
	if len(s.rx.Data)+len(in.Data) > MaxMessage {
		return conn.CloseWith(conn.StatusTooBig, "mirror message too big")
	}
	s.rx.Data = append(s.rx.Data, in.Data...)
	s.rx.Pieces = append(s.rx.Pieces, len(in.Data))
	if in.Final {
		m := s.rx
		s.rx = nil
		if len(m.Pieces) == 1 {
			m.Pieces = nil // whole: sent as one prepared message
		}
		if err := s.pub.Publish(m); err != nil && err != hub.ErrClosed {
			return err
		}
	}
	return nil
}

// Writeable sends the next piece of the next message from this client's
// subscription.
func (s *Session) Writeable(c *conn.Conn) error {
	if s.out == nil {
		m, ok := s.sub.Next()
		if !ok {
			return nil // caught up, or a writeable nobody asked for
		}
		if m.Pieces == nil {
			if s.sub.Lag() > 0 {
				c.RequestWritable()
			}
			return c.WritePrepared(m.Prepared())
		}
		s.out, s.piece, s.offset = m, 0, 0
	}
	m := s.out
	n := m.Pieces[s.piece]
	p := m.Data[s.offset : s.offset+n]
	final := s.piece == len(m.Pieces)-1
	s.piece++
	s.offset += n
	if final {
		s.out = nil
	}
	if !final || s.sub.Lag() > 0 {
		c.RequestWritable()
	}
	return c.WriteFragment(m.Type, p, final)
}

// Closed leaves the instance.
func (s *Session) Closed(c *conn.Conn, _ error) {
	s.pub.Close()
	s.sub.Close()
	s.all.leave(s.in, c)
}
