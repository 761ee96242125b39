package conn

import "net"

// MessageType says how a message's payload is to be read.
type MessageType int

// Message types. The values are those of the WebSocket opcodes.
const (
	// Text is UTF-8 text. The WebSocket transport rejects text that is not
	// valid UTF-8 with close code 1007.
	Text MessageType = 1
	// Binary is uninterpreted bytes; raw transports deliver only Binary.
	Binary MessageType = 2
)

// String returns "text" or "binary".
func (t MessageType) String() string {
	switch t {
	case Text:
		return "text"
	case Binary:
		return "binary"
	}
	return "unknown"
}

// Chunk is one piece of received input, no larger than the connection's rx
// buffer size. A message arrives as one or more chunks: the first has First
// set, the last has Final set (a small message is one chunk with both).
// Data is valid only until the Receive callback returns; copy what must be
// kept.
type Chunk struct {
	Type  MessageType
	Data  []byte
	First bool
	Final bool
	// Addr is the sender of a datagram (UDP), a copy the session may keep
	// to reply to with WriteTo; nil for stream transports.
	Addr net.Addr
}
