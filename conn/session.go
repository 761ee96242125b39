package conn

// Session is the per-connection part of a protocol: it holds the
// connection's own state (lws's per-session user data) and receives its
// callbacks. The engine calls a Session's methods from one goroutine at a
// time, so a Session needs no locking for its own fields.
//
// Returning a non-nil error from any callback closes the connection; return a
// CloseError (see CloseWith) to choose the WebSocket close code, otherwise
// 1011 is sent.
type Session interface {
	// Receive is called for each chunk of input, only while rx is on. The
	// chunk's Data is valid until Receive returns.
	Receive(c *Conn, in Chunk) error
	// Writeable is called after RequestWritable once the transport can take
	// more. It may call Write or WriteFragment once. It may also be called
	// when nothing was asked for; then it should simply return nil.
	Writeable(c *Conn) error
}

// EstablishedHandler is implemented by Sessions that want a callback before
// any input is delivered (lws's ESTABLISHED / RAW_ADOPT).
type EstablishedHandler interface {
	Established(c *Conn) error
}

// ClosedHandler is implemented by Sessions that want to know when the
// connection has closed (lws's CLOSED). Closed runs exactly once, after the
// engine has stopped reading and writing; err is why the connection ended,
// never nil: a *CloseError when the peer sent a close frame, a callback
// returned one or Close was called (with its code and reason), a
// *TimeoutError, ErrPongTimeout, a *PanicError, ErrProtocol or
// ErrInvalidUTF8 (wrapped) for what the peer broke, ErrMessageTooBig, or
// the I/O error.
type ClosedHandler interface {
	Closed(c *Conn, err error)
}

// NopSession does nothing on Receive and Writeable. Embed it in a Session
// that implements only some of the callbacks.
type NopSession struct{}

// Receive ignores the input.
func (NopSession) Receive(*Conn, Chunk) error { return nil }

// Writeable does nothing: a spurious writeable is harmless.
func (NopSession) Writeable(*Conn) error { return nil }
