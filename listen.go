package lws

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
)

// server makes the http.Server of l: protocols (HTTP/1.1, h2 over TLS, h2c),
// HTTP/2 settings, header limits, the keep-alive timeout, and the per-IP
// request limit.
func (l *listener) server(c *Server) *http.Server {
	o := l.opts
	if o == nil {
		o = &listen.Options{}
	}
	h := c.limits.Requests(l.hosts)
	srv := l.httpServer(c, h)
	srv.HTTP2 = h2Config(o.HTTP2)
	srv.Protocols = new(http.Protocols)
	srv.Handler = l.h2Handler(srv, h)
	srv.Protocols.SetHTTP1(true)
	if l.tls != nil {
		srv.Protocols.SetHTTP2(!o.DisableHTTP2)
		// Connections arrive with their handshake done (see tlsListener);
		// the server looks at TLSConfig only to enable h2 for ALPN "h2".
		srv.TLSConfig = l.tls.base
	} else {
		srv.Protocols.SetUnencryptedHTTP2(o.H2C)
	}
	return srv
}

// HTTP/2 receive-window defaults of a listener (see listen.Options.HTTP2).
const (
	h2DefaultStreams      = 100
	h2DefaultStreamWindow = 256 << 10
	h2MaxWindow           = 1<<31 - 1 // RFC 9113, 6.9.1
)

// h2Config is the HTTP/2 configuration a listener serves with: a copy of
// the user's (or a new one) whose zero MaxConcurrentStreams and
// MaxReceiveBufferPerStream are filled with golws's defaults, and whose
// connection window is raised to at least streams × stream window. Go's
// HTTP/2 server gives the connection's window back only as a handler reads
// a request body, so a smaller one lets one WebSocket with rx off (or a few)
// stop every other stream on the connection.
func h2Config(user *http.HTTP2Config) *http.HTTP2Config {
	var c http.HTTP2Config
	if user != nil {
		c = *user
	}
	if c.MaxConcurrentStreams <= 0 {
		c.MaxConcurrentStreams = h2DefaultStreams
	}
	if c.MaxReceiveBufferPerStream <= 0 {
		c.MaxReceiveBufferPerStream = h2DefaultStreamWindow
	}
	need := min(int64(c.MaxConcurrentStreams)*int64(c.MaxReceiveBufferPerStream), h2MaxWindow)
	if int64(c.MaxReceiveBufferPerConnection) < need {
		c.MaxReceiveBufferPerConnection = int(need)
	}
	return &c
}

// httpServer is an http.Server of l for h, with the Server's header
// limits and l's keep-alive timeout.
func (l *listener) httpServer(c *Server, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.opts.ReadHeaderTimeout,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    c.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), logging.LevelInfo),
	}
}

// join checks that v may share l and sets up v's TLS on it. The vhost that
// opens a listener decides its socket options and whether it speaks TLS.
func (l *listener) join(v *Vhost, o VhostOptions) error {
	opener := l.hosts[0]
	if opener != v.mux && !listen.Agree(o.Listener, l.opts) {
		return fmt.Errorf("lws: vhost %q: its Listener options differ from those of vhost %q, which opened %s", v.name, opener.Name, l.addr)
	}
	if opener != v.mux && (o.NonTLS != NonTLSRefuse && o.NonTLS != l.nonTLS || o.UnixSocketOwner != "") {
		return fmt.Errorf("lws: vhost %q: NonTLS and UnixSocketOwner belong to the vhost that opens %s (%q): leave them unset", v.name, l.addr, opener.Name)
	}
	if opener == v.mux && o.TLS != nil {
		l.tls = newListenerTLS(l)
	}
	if o.TLS == nil {
		return nil
	}
	if l.tls == nil {
		return fmt.Errorf("lws: vhost %q has TLS options, but %s was opened without TLS by vhost %q", v.name, l.addr, opener.Name)
	}
	cfg, err := vhostTLSConfig(v.name, o.TLS, l.nextProtos())
	if err != nil {
		return err
	}
	l.tls.vhosts[v.mux] = &vhostTLS{name: v.name, cfg: cfg, events: o.TLS.OnHandshake}
	return nil
}

// wrap stacks the connection limits and the TLS handshake on l's socket.
func (c *Server) wrap(l *listener) net.Listener {
	ln := c.limits.Listener(l.ln, func(nc net.Conn, why string) {
		c.log.Info("connection refused", "addr", l.ln.Addr().String(), "peer", nc.RemoteAddr().String(), "why", why)
	})
	// The raw fallback sniffs before TLS: a ClientHello counts as HTTP.
	ln = l.serveListener(ln)
	if l.tls != nil && l.nonTLS != NonTLSRefuse {
		ln = c.splitNonTLS(l, ln) // plain HTTP beside TLS, within the limits
	}
	if l.tls != nil {
		ln = newTLSListener(ln, l.tls, c.opts.ReadHeaderTimeout, c.log)
	}
	return ln
}
