package conn

import "time"

// DefaultRxBufferSize is the rx buffer size used when Options leaves it zero:
// the largest chunk a Receive callback is given.
const DefaultRxBufferSize = 4096

// DefaultCloseGrace is how long a close may take before the transport is
// aborted, when Options leaves CloseGrace zero.
const DefaultCloseGrace = 5 * time.Second

// Options configure connections. One Options value is usually shared by every
// connection of a protocol; Start reads it and keeps no reference, except to
// Set. A nil *Options means all defaults.
type Options struct {
	// RxBufferSize bounds the size of each received chunk.
	// Zero means DefaultRxBufferSize.
	RxBufferSize int
	// PingInterval, when positive, pings the peer that often (transports
	// that implement Pinger only) and closes the connection when the peer
	// was not heard from within PongTimeout of a ping: neither a pong nor
	// anything else read, nor bytes waiting unread while the engine is not
	// reading. Pings go on while rx is off. Zero disables pings.
	PingInterval time.Duration
	// PongTimeout bounds the wait for a pong. Zero means PingInterval.
	PongTimeout time.Duration
	// CloseGrace bounds a graceful close (and a write to a peer that stopped
	// reading, once Close or a timeout has been asked for) before the
	// transport is aborted. Zero means DefaultCloseGrace.
	CloseGrace time.Duration
	// MaxMessageSize, when positive, bounds the size of a received message
	// (after decompression): a larger one closes the connection with 1009
	// (ErrMessageTooBig). Zero means no limit: messages arrive in chunks
	// of RxBufferSize whatever their size.
	MaxMessageSize int64
	// Set, if not nil, tracks the connection from Start until it has fully
	// ended; use it to reach all connections of a protocol and to wait for
	// them at shutdown.
	Set *Set
	// Observer, if not nil, is told of the connection's opening, traffic
	// and close (see Observer; FlowObserver adds rx-off and send-wait
	// times). Nil costs nothing beyond a nil check.
	Observer Observer
}

// settings is the part of Options a Conn keeps.
type settings struct {
	rxSize       int
	pingInterval time.Duration
	pongTimeout  time.Duration
	closeGrace   time.Duration
	maxMessage   int64
	set          *Set
	obs          Observer
	flowObs      FlowObserver // obs, when it is one
}

func (o *Options) settings() settings {
	var s settings
	if o != nil {
		s = settings{rxSize: o.RxBufferSize, pingInterval: o.PingInterval, pongTimeout: o.PongTimeout,
			closeGrace: o.CloseGrace, maxMessage: o.MaxMessageSize, set: o.Set, obs: o.Observer}
		s.flowObs, _ = o.Observer.(FlowObserver)
	}
	if s.rxSize <= 0 {
		s.rxSize = DefaultRxBufferSize
	}
	if s.pongTimeout <= 0 {
		s.pongTimeout = s.pingInterval
	}
	if s.closeGrace <= 0 {
		s.closeGrace = DefaultCloseGrace
	}
	return s
}
