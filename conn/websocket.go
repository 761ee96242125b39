package conn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// WebSocket is the Transport for a WebSocket connection over
// github.com/coder/websocket. Messages are read in chunks of the rx buffer
// size with first/final marks; text is checked to be UTF-8 as it streams
// (coder/websocket does not check it) and invalid text closes with 1007.
//
// Contexts are never used to bound reads or writes: with coder/websocket an
// expiring context closes the whole connection. Timeouts are the engine's,
// which abort the transport instead.
type WebSocket struct {
	ws *websocket.Conn
	nc io.Closer // the socket under ws when known (AcceptWebSocket), for Abort

	// Read state, owned by the reader goroutine.
	msg      io.Reader // the message being read, nil between messages
	typ      MessageType
	first    bool
	carry    [1]byte // one byte read ahead to learn whether a full chunk is final
	hasCarry bool
	carryEOF bool // the message ended with the carried byte: do not read it again
	utf8     utf8Stream

	// Write state, owned by the service goroutine.
	frag io.WriteCloser // the fragmented message being written, nil if none
}

var _ Transport = (*WebSocket)(nil)
var _ Pinger = (*WebSocket)(nil)

// NewWebSocket wraps an accepted or dialled connection. Messages of any size
// are accepted, since they are delivered in bounded chunks.
func NewWebSocket(ws *websocket.Conn) *WebSocket {
	ws.SetReadLimit(-1)
	return &WebSocket{ws: ws}
}

// Conn returns the underlying coder/websocket connection.
func (t *WebSocket) Conn() *websocket.Conn { return t.ws }

// ReadChunk reads up to len(buf()) bytes of the current message, starting a
// new message when none is in progress.
func (t *WebSocket) ReadChunk(buf func() []byte) (Chunk, error) {
	if t.msg == nil {
		typ, r, err := t.ws.Reader(context.Background())
		if err != nil {
			return Chunk{}, wsError(err)
		}
		t.msg, t.typ, t.first = r, MessageType(typ), true
		t.utf8.reset()
	}
	b := buf()
	n := 0
	final := false
	if t.hasCarry {
		b[0] = t.carry[0]
		n, t.hasCarry = 1, false
		// The reader said io.EOF with the byte: it must not be read again
		// (coder/websocket has given a compressed message's flate reader
		// back to its pool by then).
		final, t.carryEOF = t.carryEOF, false
	}
	for n < len(b) && !final {
		m, err := t.msg.Read(b[n:])
		n += m
		switch {
		case errors.Is(err, io.EOF):
			final = true
		case err != nil:
			return Chunk{}, wsError(err)
		}
	}
	if !final {
		// The buffer is full: read one byte ahead to learn whether the
		// message ends here.
		m, err := t.msg.Read(t.carry[:])
		switch {
		case m == 1:
			// A reader may return the last byte together with io.EOF
			// (coder/websocket does for some compressed messages).
			t.hasCarry, t.carryEOF = true, errors.Is(err, io.EOF)
		case errors.Is(err, io.EOF):
			final = true
		case err != nil:
			return Chunk{}, wsError(err)
		}
	}
	in := Chunk{Type: t.typ, Data: b[:n], First: t.first, Final: final}
	t.first = false
	if final {
		t.msg = nil
	}
	if in.Type == Text && !t.utf8.feed(in.Data, final) {
		return Chunk{}, ErrInvalidUTF8
	}
	return in, nil
}

// Write sends p as a whole message or as the next fragment of one.
func (t *WebSocket) Write(typ MessageType, p []byte, final bool) error {
	ctx := context.Background()
	if t.frag == nil {
		if final {
			return wsError(t.ws.Write(ctx, websocket.MessageType(typ), p))
		}
		w, err := t.ws.Writer(ctx, websocket.MessageType(typ))
		if err != nil {
			return wsError(err)
		}
		t.frag = w
	}
	if _, err := t.frag.Write(p); err != nil {
		return wsError(err)
	}
	if final {
		err := t.frag.Close()
		t.frag = nil
		return wsError(err)
	}
	return nil
}

// Close runs the close handshake with code and reason (a reason longer than
// the 123 bytes a close frame holds is cut). Codes that may not be sent on
// the wire close without a handshake.
func (t *WebSocket) Close(code StatusCode, reason string) error {
	switch code {
	case StatusNoStatus, StatusAbnormal, 1015:
		return t.ws.CloseNow()
	}
	if len(reason) > 123 {
		n := 123
		for n > 0 && !utf8.RuneStart(reason[n]) {
			n-- // cut on a rune boundary: the reason must stay UTF-8
		}
		reason = reason[:n]
	}
	return t.ws.Close(websocket.StatusCode(code), reason)
}

// Abort closes the connection without a handshake. Where the transport
// holds the socket it closes it first: coder/websocket's CloseNow waits for
// a close handshake in progress, which a silent peer can make last seconds.
func (t *WebSocket) Abort() {
	if t.nc != nil {
		_ = t.nc.Close()
	}
	_ = t.ws.CloseNow()
}

// Ping sends a ping and waits for its pong.
func (t *WebSocket) Ping(ctx context.Context) error { return t.ws.Ping(ctx) }

// wsError turns a close frame from the peer into a *CloseError and wraps
// anything else.
func wsError(err error) error {
	if err == nil {
		return nil
	}
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return &CloseError{Code: StatusCode(ce.Code), Reason: ce.Reason}
	}
	return fmt.Errorf("websocket: %w", err)
}
