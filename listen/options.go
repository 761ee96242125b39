package listen

import (
	"net"
	"net/http"
)

// Options configure a listening socket and the HTTP server on it (in
// golws, lws.VhostOptions.Listener: they belong to the vhost that opens a
// listener; a vhost that joins an existing listener must leave them nil or
// give equal ones, see Agree). A nil *Options means all defaults.
type Options struct {
	// KeepAlive sets TCP keepalive on accepted sockets (lws ka_time,
	// ka_interval, ka_probes): a connection idle for Idle gets a probe
	// every Interval and is dropped after Count unanswered ones; Enable
	// false turns keepalive off. Nil keeps Go's default (keepalive on,
	// 15 s idle, 15 s interval, 9 probes).
	KeepAlive *net.KeepAliveConfig
	// Interface names a network device (such as "eth0" or "lo"). With
	// BindToDevice the listening socket is bound to it with
	// SO_BINDTODEVICE (Linux; needs CAP_NET_RAW), so only traffic that
	// arrives on that device reaches it. Without BindToDevice the listener
	// binds to the device's first address (IPv4 preferred) and the port of
	// the address listened on.
	Interface string
	// BindToDevice binds the listening socket to Interface (lws's
	// bind_iface); accepted sockets inherit the binding.
	BindToDevice bool
	// H2C serves HTTP/2 with prior knowledge on a listener without TLS
	// (h2c, as curl --http2-prior-knowledge and h2load speak it) next to
	// HTTP/1.1, and takes the HTTP/1.1 "Upgrade: h2c" of requests without
	// a body (curl --http2, nghttp -u).
	H2C bool
	// DisableHTTP2 turns HTTP/2 off on a TLS listener, where it is offered
	// through ALPN ("h2") by default.
	DisableHTTP2 bool
	// HTTP2 sets the HTTP/2 settings the server announces and honours:
	// MaxConcurrentStreams, MaxReadFrameSize (the largest frame it reads),
	// MaxReceiveBufferPerStream (the initial stream window) and
	// MaxReceiveBufferPerConnection (the connection window), and more.
	// Fields left zero (or a nil HTTP2) take net/http's defaults, but for
	// these: MaxConcurrentStreams is 100 (net/http's is 250),
	// MaxReceiveBufferPerStream 256 KiB (net/http's is 1 MiB), and
	// MaxReceiveBufferPerConnection is raised to at least
	// MaxConcurrentStreams × MaxReceiveBufferPerStream (25 MiB by default;
	// at most 2^31-1), even when set lower. Go's HTTP/2 server gives the
	// connection's window back only as a handler reads, so a smaller one
	// would let one WebSocket with rx off stop every other stream on its
	// connection. Values set are never lowered; the Options' config is not
	// modified.
	HTTP2 *http.HTTP2Config
}

// listenConfig applies o's keepalive settings.
func (o *Options) listenConfig() net.ListenConfig {
	if o.KeepAlive == nil {
		return net.ListenConfig{}
	}
	lc := net.ListenConfig{KeepAliveConfig: *o.KeepAlive}
	if !o.KeepAlive.Enable {
		lc.KeepAlive = -1
	}
	return lc
}

// Agree reports whether the options of a vhost that joins a listener (nil,
// or equal) agree with those of the vhost that opened it. KeepAlive is
// compared by value, HTTP2 by pointer.
func Agree(joiner, opener *Options) bool {
	switch {
	case joiner == nil:
		return true
	case opener == nil:
		opener = &Options{}
	}
	j, o := *joiner, *opener
	if (j.KeepAlive == nil) != (o.KeepAlive == nil) || j.KeepAlive != nil && *j.KeepAlive != *o.KeepAlive {
		return false
	}
	j.KeepAlive, o.KeepAlive = nil, nil
	return j == o
}
