package conn

import "context"

// Transport is what a wire provides to the engine. The engine calls ReadChunk
// from its reader goroutine only, Write and Close from its service goroutine
// only, and Abort from anywhere.
type Transport interface {
	// ReadChunk blocks until input arrives and returns the next chunk. It
	// calls buf to obtain the buffer to read into only once data is about to
	// be copied, so an idle connection holds no buffer; the chunk's Data is
	// a prefix of that buffer.
	ReadChunk(buf func() []byte) (Chunk, error)
	// Write sends p as the next part of a message of type typ; final ends
	// the message. It returns once the transport has accepted the data.
	Write(typ MessageType, p []byte, final bool) error
	// Close ends the connection gracefully (for WebSocket: the close
	// handshake with code and reason). It must return in bounded time.
	Close(code StatusCode, reason string) error
	// Abort ends the connection at once, unblocking ReadChunk and Write. It
	// is safe from any goroutine and idempotent.
	Abort()
}

// Pinger is implemented by transports that can test the peer's liveness
// (WebSocket ping/pong). Ping returns once the peer answered or ctx ended;
// when the connection is closed under it, it returns an error wrapping
// net.ErrClosed, and the engine leaves the cause to whoever closed it.
type Pinger interface {
	Ping(ctx context.Context) error
}
