package mux

import (
	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// CompressionMode chooses permessage-deflate for a protocol's connections.
type CompressionMode int

const (
	// CompressionOff negotiates no compression (the default).
	CompressionOff CompressionMode = iota
	// CompressionContextTakeover keeps the deflate window between messages:
	// best ratio, about 64 KiB more memory per connection.
	CompressionContextTakeover
	// CompressionNoContextTakeover compresses each message on its own.
	CompressionNoContextTakeover
)

// Compression is a protocol's permessage-deflate setting.
type Compression struct {
	Mode CompressionMode
	// Threshold is the smallest message that is compressed, in bytes.
	// Zero means 128 with context takeover and 512 without.
	Threshold int
}

// WebSocketMode is c's mode as coder/websocket names it, for its Accept
// and Dial options.
func (c Compression) WebSocketMode() websocket.CompressionMode {
	switch c.Mode {
	case CompressionContextTakeover:
		return websocket.CompressionContextTakeover
	case CompressionNoContextTakeover:
		return websocket.CompressionNoContextTakeover
	}
	return websocket.CompressionDisabled
}

// Protocol is a WebSocket subprotocol as mux serves it: a name, the factory
// of per-connection Sessions, and connection settings.
type Protocol struct {
	// Name is the subprotocol name clients put in Sec-WebSocket-Protocol.
	Name string
	// NewSession makes the Session of each new connection.
	NewSession func(c *conn.Conn) conn.Session
	// Conn configures the connections (rx buffer size, pings, the Set that
	// tracks them). Nil means defaults and no tracking.
	Conn *conn.Options
	// Compression configures permessage-deflate.
	Compression Compression
}

// AcceptSettings are the per-connection settings a BeforeAccept hook may
// change before the upgrade completes (lws_set_extension_option's role).
type AcceptSettings struct {
	Compression Compression
}
