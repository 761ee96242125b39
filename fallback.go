package lws

import (
	"fmt"
	"net"
	"time"

	"github.com/golws/lws/raw"
)

// DefaultRawFallbackTimeout is a typical RawFallback.Timeout for a program
// that opts in to the silence rule (2 s). It is not applied by default: a
// zero Timeout means no silence rule.
const DefaultRawFallbackTimeout = raw.DefaultSniffTimeout

// RawFallback makes a vhost's listener share its port with a raw protocol
// (lws's LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG with the
// "raw-skt" role): a connection whose first bytes are not an HTTP method
// (nor the HTTP/2 preface or a TLS ClientHello) is adopted into Protocol,
// with the bytes already read as its first input. HTTP and WebSocket keep
// working on the same port. As in lws, the first bytes decide, however
// late they come; a connection that sends nothing is closed after the
// Server's ReadHeaderTimeout, like an HTTP connection that sends no
// request. See raw.Fallback.
type RawFallback struct {
	// Protocol names the vhost protocol that raw connections are bound to;
	// it must be one of the vhost's Protocols.
	Protocol string
	// Timeout, if positive, opts in to the silence rule: a connection that
	// sends nothing in that time (a telnet user who waits for the server
	// to speak first) goes to Protocol. Zero, the default, means none.
	// Browsers keep spare connections open and send their request on them
	// later; a silence rule hands those to Protocol, so use it only on
	// ports browsers do not use. Its lwsws JSON key is
	// "listen-accept-silence-ms".
	Timeout time.Duration
}

// rawFallback is a RawFallback bound to its vhost's listener.
type rawFallback struct {
	vhost *Vhost
	opts  RawFallback
}

// checkRawFallback validates o.RawFallback for v before v is attached to
// a listener. The caller holds c.mu.
func (c *Server) checkRawFallback(v *Vhost, o VhostOptions) error {
	rf := o.RawFallback
	if rf == nil {
		return nil
	}
	if o.Listen == "" {
		return fmt.Errorf("lws: vhost %q: RawFallback needs a listener (Listen)", v.name)
	}
	if rf.Timeout < 0 {
		return fmt.Errorf("lws: vhost %q: RawFallback.Timeout %v is negative", v.name, rf.Timeout)
	}
	if _, err := v.protocolFor(rf.Protocol); err != nil {
		return fmt.Errorf("RawFallback.Protocol: %w", err)
	}
	_, port, _ := net.SplitHostPort(o.Listen)
	for _, l := range c.listeners {
		// The listener attach would join: same address, or its actual one.
		joins := (l.addr == o.Listen && port != "0") || l.ln.Addr().String() == o.Listen
		if joins && l.fallback != nil {
			return fmt.Errorf("lws: vhost %q: the listener on %s already falls back to raw for vhost %q", v.name, o.Listen, l.fallback.vhost.name)
		}
	}
	return nil
}

// setRawFallback puts v's raw fallback on its listener, once attached.
func (v *Vhost) setRawFallback(rf *RawFallback) {
	if rf != nil {
		v.ln.fallback = &rawFallback{vhost: v, opts: *rf}
	}
}

// serveListener is what Run serves l's HTTP from: l's listener, wrapped in
// a raw.Fallback when a vhost asked for one.
func (l *listener) serveListener(ln net.Listener) net.Listener {
	f := l.fallback
	if f == nil {
		return ln
	}
	return raw.NewFallback(ln, func(nc net.Conn, first []byte) {
		if _, err := f.vhost.adoptConn(nc, first, f.opts.Protocol); err != nil {
			f.vhost.Logger().Info("raw fallback connection refused", "peer", nc.RemoteAddr().String(), "err", err)
		}
	}, &raw.FallbackOptions{Timeout: f.opts.Timeout, IdleTimeout: f.vhost.srv.opts.ReadHeaderTimeout})
}
