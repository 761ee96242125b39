package hub

import (
	"sync"

	"github.com/golws/lws/conn"
)

// Message is one published message. Once published it is shared by every
// subscriber and must not be modified.
type Message struct {
	// Type is the WebSocket message type, conn.Text or conn.Binary.
	Type conn.MessageType
	// Data is the message's payload.
	Data []byte
	// Pieces, if not nil, are the sizes of the fragments the message is to
	// be sent in, adding up to len(Data); nil means one piece.
	Pieces []int

	once sync.Once
	prep *conn.Prepared
}

// NewMessage returns a message of type typ holding data, which it keeps.
func NewMessage(typ conn.MessageType, data []byte) *Message {
	return &Message{Type: typ, Data: data}
}

// Prepared returns the message as a conn.Prepared, made once and shared by
// every subscriber, for Conn.WritePrepared: connections that compress
// without context takeover then share one compression of it.
func (m *Message) Prepared() *conn.Prepared {
	m.once.Do(func() { m.prep = conn.NewPrepared(m.Type, m.Data) })
	return m.prep
}
