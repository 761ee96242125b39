package conn

import (
	"sync"
)

// Prepared is a message made once and sent to many connections, the role of
// gorilla/websocket's PreparedMessage: a broadcast to connections that
// negotiated permessage-deflate compresses it once, not once per connection.
//
// Only connections whose server side compresses without context takeover
// (server_no_context_takeover; client_no_context_takeover for a client
// connection) can share the compressed bytes: every message they send starts
// from an empty window, and all golws deflaters use the same level, so the
// bytes are the same for all of them. A connection with context takeover
// compresses against the messages it sent before, so it compresses a
// Prepared message itself, as it would any other, and a connection without
// compression sends the plain bytes. The compressed form is made on first
// use, by the first connection that needs it.
//
// A Prepared message is safe for concurrent use. Its data must not be
// modified once it is made.
type Prepared struct {
	typ  MessageType
	data []byte

	once     sync.Once
	deflated []byte // compressed without context takeover, tail stripped
	err      error
}

// NewPrepared returns data as a whole message of type typ, ready to be sent
// to any number of connections with Conn.WritePrepared. It keeps data, which
// must not change afterwards.
func NewPrepared(typ MessageType, data []byte) *Prepared {
	return &Prepared{typ: typ, data: data}
}

// Type is the message's type.
func (p *Prepared) Type() MessageType { return p.typ }

// Data is the message's uncompressed payload; do not modify it.
func (p *Prepared) Data() []byte { return p.data }

// compressed returns the message compressed as a deflater without context
// takeover compresses a whole message, computing it on first use.
func (p *Prepared) compressed() ([]byte, error) {
	p.once.Do(func() {
		d := deflater{noContext: true} // its output is p's alone
		p.deflated, p.err = d.compress(p.data, true)
	})
	return p.deflated, p.err
}

// WritePrepared sends p as a whole message, like Write: legal once per
// Writeable callback and nowhere else, never waiting for the peer, and not
// in the middle of a fragmented message (ErrFragmentType). A WebSocket
// connection that compresses without context takeover sends p's shared
// compressed bytes; any other connection sends p as Write would.
func (c *Conn) WritePrepared(p *Prepared) error {
	ws, ok := c.sender.(*WebSocket)
	if !ok {
		return c.WriteFragment(p.typ, p.data, true)
	}
	c.txMu.Lock()
	defer c.txMu.Unlock()
	if err := c.takeWrite(); err != nil {
		return err
	}
	if c.fragType != 0 {
		return ErrFragmentType
	}
	pending, err := ws.sendPrepared(p)
	return c.sent(pending, err, len(p.data), true)
}

// SharesCompression reports whether t sends Prepared messages of at least
// the compression threshold as shared, once-compressed bytes.
func (t *WebSocket) SharesCompression() bool {
	return t.ext != nil && t.defl.noContext
}

// sendPrepared sends p as a whole message, sharing its compressed bytes when
// the connection compresses without context takeover. It is called under
// the engine's write lock, between messages.
func (t *WebSocket) sendPrepared(p *Prepared) (bool, error) {
	if !t.SharesCompression() || len(p.data) < t.ext.threshold {
		return t.Send(p.typ, p.data, true)
	}
	payload, err := p.compressed()
	if err != nil {
		return false, err
	}
	return t.sendFrame(true, true, byte(p.typ), payload)
}
