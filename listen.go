package lws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"

	"github.com/golws/lws/logging"
)

// ListenerOptions configure the listening socket a vhost opens and the HTTP
// server on it. They belong to the vhost that opens a listener; a vhost that
// joins an existing listener (same VhostOptions.Listen) must leave them nil
// or give equal ones (==, so the same HTTP2 pointer). A nil
// *ListenerOptions means all defaults.
type ListenerOptions struct {
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
	// VhostOptions.Listen.
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
	// MaxReceiveBufferPerConnection (the connection window), and more. Nil
	// means net/http's defaults (100 streams, 16 KiB frames, 1 MiB stream
	// and connection windows).
	HTTP2 *http.HTTP2Config
}

// listenConfig applies o's keepalive settings.
func (o *ListenerOptions) listenConfig() net.ListenConfig {
	if o.KeepAlive == nil {
		return net.ListenConfig{}
	}
	lc := net.ListenConfig{KeepAliveConfig: *o.KeepAlive}
	if !o.KeepAlive.Enable {
		lc.KeepAlive = -1
	}
	return lc
}

// ErrBindToDevice is wrapped by the errors of binding a listener to a
// network device.
var ErrBindToDevice = errors.New("lws: cannot bind to network device")

// listen opens the listening socket of addr with o's socket options.
func listen(addr string, o *ListenerOptions) (net.Listener, error) {
	if o == nil {
		o = &ListenerOptions{}
	}
	lc := o.listenConfig()
	if o.Interface != "" {
		if o.BindToDevice {
			dev := o.Interface
			lc.Control = func(network, address string, rc syscall.RawConn) error {
				var serr error
				if err := rc.Control(func(fd uintptr) { serr = bindToDevice(int(fd), dev) }); err != nil {
					return err
				}
				return serr
			}
		} else {
			a, err := interfaceAddr(o.Interface, addr)
			if err != nil {
				return nil, err
			}
			addr = a
		}
	}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		if errors.Is(err, ErrBindToDevice) {
			return nil, err
		}
		return nil, &ListenError{addr: addr, err: err}
	}
	return ln, nil
}

// ListenError is the failure to open a listening socket: the address, the
// cause without the address repeated, and what to do about the usual ones.
// It is not prefixed with "lws:": the vhost that wanted it wraps it.
type ListenError struct {
	addr string
	err  error
}

func (e *ListenError) Error() string {
	cause := e.err.Error()
	var errno syscall.Errno
	if errors.As(e.err, &errno) {
		cause = errno.Error() // "address already in use", not "listen tcp ADDR: bind: ..."
	}
	switch {
	case errors.Is(e.err, syscall.EADDRINUSE):
		cause += "; stop the program using that port or choose another port"
	case errors.Is(e.err, syscall.EACCES):
		cause += "; ports below 1024 need privileges: choose a port of 1024 or more"
	case errors.Is(e.err, syscall.EADDRNOTAVAIL):
		cause += "; no interface of this machine has that address: use one it has, or leave the host empty for all"
	}
	return fmt.Sprintf("listening on %s: %s", e.addr, cause)
}

func (e *ListenError) Unwrap() error { return e.err }

// bindToDevice sets SO_BINDTODEVICE on fd, explaining the usual failures.
func bindToDevice(fd int, dev string) error {
	err := setBindToDevice(fd, dev)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w %q: the process lacks CAP_NET_RAW (run as root or grant it with setcap cap_net_raw+ep): %v", ErrBindToDevice, dev, err)
	case errors.Is(err, syscall.ENODEV):
		return fmt.Errorf("%w %q: no such network interface: %v", ErrBindToDevice, dev, err)
	default:
		return fmt.Errorf("%w %q: %v", ErrBindToDevice, dev, err)
	}
}

// interfaceAddr replaces the host of addr with the first address of the
// network interface dev, IPv4 first.
func interfaceAddr(dev, addr string) (string, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("lws: listen address %q: %w", addr, err)
	}
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		return "", fmt.Errorf("lws: interface %q: %w", dev, err)
	}
	addrs, err := ifi.Addrs()
	if err != nil {
		return "", fmt.Errorf("lws: interface %q: %w", dev, err)
	}
	var v6 net.IP
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		if ipn.IP.To4() != nil {
			return net.JoinHostPort(ipn.IP.String(), port), nil
		}
		if v6 == nil && !ipn.IP.IsLinkLocalUnicast() {
			v6 = ipn.IP
		}
	}
	if v6 != nil {
		return net.JoinHostPort(v6.String(), port), nil
	}
	return "", fmt.Errorf("lws: interface %q has no usable address", dev)
}

// listenerOptionsAgree reports whether a joining vhost's options (nil, or
// equal) agree with those of the vhost that opened the listener. KeepAlive
// is compared by value, HTTP2 by pointer.
func listenerOptionsAgree(joiner, opener *ListenerOptions) bool {
	switch {
	case joiner == nil:
		return true
	case opener == nil:
		opener = &ListenerOptions{}
	}
	j, o := *joiner, *opener
	if (j.KeepAlive == nil) != (o.KeepAlive == nil) || j.KeepAlive != nil && *j.KeepAlive != *o.KeepAlive {
		return false
	}
	j.KeepAlive, o.KeepAlive = nil, nil
	return j == o
}

// server makes the http.Server of l: protocols (HTTP/1.1, h2 over TLS, h2c),
// HTTP/2 settings, header limits, the keep-alive timeout, and the per-IP
// request limit.
func (l *listener) server(c *Server) *http.Server {
	o := l.opts
	if o == nil {
		o = &ListenerOptions{}
	}
	var h http.Handler = l.hosts
	if c.limits.reqPerIP > 0 {
		h = c.limits.requests(h)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.opts.ReadHeaderTimeout,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    c.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), logging.LevelInfo),
		HTTP2:             o.HTTP2,
		Protocols:         new(http.Protocols),
	}
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

// join checks that v may share l and sets up v's TLS on it. The vhost that
// opens a listener decides its socket options and whether it speaks TLS.
func (l *listener) join(v *Vhost, o VhostOptions) error {
	opener := l.hosts[0]
	if opener != v.mux && !listenerOptionsAgree(o.Listener, l.opts) {
		return fmt.Errorf("lws: vhost %q: its Listener options differ from those of vhost %q, which opened %s", v.name, opener.Name, l.addr)
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
	var ln net.Listener = l.ln
	if c.limits.max > 0 || c.limits.perIP > 0 {
		ln = &limitListener{Listener: ln, lim: c.limits, refuse: func(nc net.Conn, why string) {
			c.log.Info("connection refused", "addr", l.ln.Addr().String(), "peer", nc.RemoteAddr().String(), "why", why)
		}}
	}
	// The raw fallback sniffs before TLS: a ClientHello counts as HTTP.
	ln = l.serveListener(ln)
	if l.tls != nil {
		ln = newTLSListener(ln, l.tls, c.opts.ReadHeaderTimeout, c.log)
	}
	return ln
}
