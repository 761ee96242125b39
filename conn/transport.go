package conn

// Transport is what a wire provides to the engine. The engine calls ReadChunk
// from its reader goroutine only; Write (or Send) under its write lock;
// Flush and Close from its service goroutine only; Abort from anywhere.
type Transport interface {
	// ReadChunk blocks until input arrives and returns the next chunk. It
	// calls buf to obtain the buffer to read into only once data is about to
	// be copied, so an idle connection holds no buffer; the chunk's Data is
	// a prefix of that buffer. It must not wait for more input while it
	// holds input it could deliver.
	ReadChunk(buf func() []byte) (Chunk, error)
	// Write sends p as the next part of a message of type typ; final ends
	// the message. It returns once the transport has accepted the data,
	// which may take as long as the peer takes to read: the engine calls it
	// from its service goroutine, never from a callback, unless the
	// transport is a Sender.
	Write(typ MessageType, p []byte, final bool) error
	// Close ends the connection gracefully (for WebSocket: the close
	// handshake with code and reason). It must return in bounded time or
	// when Abort is called.
	Close(code StatusCode, reason string) error
	// Abort ends the connection at once, unblocking ReadChunk, Write, Flush
	// and Close. It is safe from any goroutine and idempotent.
	Abort()
}

// Sender is implemented by transports that can send without waiting for
// the peer (sockets): Send writes what the peer takes at once and keeps the
// rest, reporting it pending; the engine then calls Flush from its service
// goroutine, and the next Writeable comes once Flush has returned. The
// engine calls Send from the Writeable callback, so a Sender's writes cost
// no goroutine switch; other transports' writes are copied and written by
// the service goroutine.
type Sender interface {
	Send(typ MessageType, p []byte, final bool) (pending bool, err error)
	// Flush writes what Send left, blocking until the peer took it or the
	// transport is aborted.
	Flush() error
	// Pending reports whether output waits for Flush.
	Pending() bool
}

// OutputNotifier is implemented by transports that produce output of their
// own, such as a WebSocket's pongs. The engine gives it, before reading
// starts, a function to call (from any goroutine, never blocking) when such
// output waits for Flush.
type OutputNotifier interface {
	NotifyOutput(func())
}

// ReadyReader is implemented by transports that can tell when ReadChunk
// would return at once, with input already received. The engine then
// delivers it in the same turn as the chunk before.
type ReadyReader interface {
	ReadReady() bool
}

// Pinger is implemented by transports that can test the peer's liveness
// (WebSocket ping/pong). Ping sends a ping without waiting; the pong, like
// anything else read from the peer, shows in Heard. Unread tells how many
// bytes the peer sent that wait unread in the kernel (-1 if unknown): the
// engine counts them as a sign of life while it is not reading.
type Pinger interface {
	Ping() error
	Heard() uint64
	Unread() int
}
