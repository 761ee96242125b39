package lws

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/mux"
)

// VhostOptions describe a vhost.
type VhostOptions struct {
	// Name is the host name the vhost answers to (Host header / SNI);
	// "cats.abc.com" also reaches a vhost named "abc.com". Empty means
	// "default".
	Name string
	// Listen is the address to listen on, such as "127.0.0.1:7681" or
	// ":0". Vhosts with the same Listen share one listener, where the first
	// is the default; port 0 always opens a listener of its own, which later
	// vhosts join by its actual address (Vhost.Addr). Empty means no
	// listener: serve the vhost through Server.Handler or as an
	// http.Handler.
	Listen string
	// Protocols are the WebSocket protocols the vhost speaks.
	Protocols []*Protocol
	// ProtocolOptions are per-vhost options by protocol name (lws pvo).
	// An option "default" (any value) makes that protocol the one chosen
	// when a client names no subprotocol; otherwise the first protocol is.
	ProtocolOptions map[string]map[string]string
	// OriginPatterns lists extra origins allowed to open WebSockets
	// (path.Match patterns of the origin host). Cross-origin upgrades are
	// refused unless they match.
	OriginPatterns []string
	// AllowAnyOrigin turns origin checking off.
	AllowAnyOrigin bool
	// BeforeAccept may change a connection's extension settings before the
	// upgrade completes (lws_set_extension_option), or refuse it.
	BeforeAccept func(r *http.Request, p *mux.Protocol, s *mux.AcceptSettings) error
	// Mounts map parts of the URL space to handlers (lws mounts); the
	// longest matching mount wins. Callback mounts (CallbackMount) are
	// bound to the named protocol of this vhost.
	Mounts []mux.Mount
	// HTTP serves requests that are not WebSocket upgrades and match no
	// mount. Nil means 404.
	HTTP http.Handler
	// ErrorDocument404, if set, is the URL 404s are redirected to (lws
	// error_document_404); otherwise errors get a synthesized page that
	// links /error.css (see mux.Vhost.Error).
	ErrorDocument404 string
	// TLS, if set, serves the vhost over TLS, with its certificate chosen
	// by SNI (see TLSOptions). Nil means plain TCP.
	TLS *TLSOptions
	// Listener configures the listening socket the vhost opens: TCP
	// keepalive, binding to a device, HTTP/2 (see listen.Options). Nil
	// means defaults.
	Listener *listen.Options
	// RawFallback, if set, hands connections to the vhost's listener whose
	// first bytes are not HTTP to a raw protocol of the vhost.
	RawFallback *RawFallback
	// KeepAliveTimeout is how long an idle HTTP connection of the vhost's
	// listener is kept open waiting for its next request (HTTP/1.1
	// keep-alive; for HTTP/2, a connection with no stream open): lws's
	// keepalive_timeout, lwsws's "keepalive_timeout" (seconds) of a vhost.
	// A client that sends a request and then keeps quiet is disconnected
	// when it runs out, and so frees its MaxConns slot. It is
	// http.Server.IdleTimeout; the wait for the first request is bounded by
	// Options.ReadHeaderTimeout. Zero means DefaultKeepAliveTimeout (5 s);
	// negative means no limit. Vhosts that share a listener share its HTTP
	// server, which keeps the largest of their timeouts (no limit if one of
	// them has none).
	//
	// No http.Server.WriteTimeout is set: it bounds a whole response, so it
	// would cut long downloads and streamed responses off. Writes that
	// stall on a client that does not read are bounded per write instead
	// (WriteStallTimeout); WebSocket and raw writes never block the engine
	// (see package conn).
	KeepAliveTimeout time.Duration
	// WriteStallTimeout bounds each write of an HTTP response of the vhost
	// to a client that does not read (mux.Vhost.WriteStallTimeout): zero
	// means mux.DefaultWriteStallTimeout (30 s), negative no limit.
	WriteStallTimeout time.Duration
	// Observer, if set, instruments this vhost in place of
	// Options.Observer (see Observer).
	Observer Observer
	// ServerString, if set, is the Server header of every response (lws
	// server_string).
	ServerString string
	// STS sends Strict-Transport-Security with every response (lws
	// LWS_SERVER_OPTION_STS; see mux.STSValue).
	STS bool
	// Headers are added to every response of the vhost (lws vhost
	// headers).
	Headers http.Header
	// RejectAgents refuse requests by User-Agent keyword (lws
	// reject_service_keywords).
	RejectAgents []mux.AgentRule
	// AccessLog, if set, receives a line per HTTP request in the Apache
	// combined format lws writes (see mux.AccessLog).
	AccessLog io.Writer
	// NonTLS decides what the TLS listener this vhost opens does with
	// connections that do not start a TLS handshake; zero refuses them.
	NonTLS NonTLS
	// UnixSocketOwner is "user:group" for the unix socket this vhost
	// opens (Listen "unix:/path"; lws unix_socket_perms). The socket is
	// mode 0600 always.
	UnixSocketOwner string
}

// DefaultKeepAliveTimeout is VhostOptions.KeepAliveTimeout when left zero,
// lws's default keepalive_timeout.
const DefaultKeepAliveTimeout = 5 * time.Second

// idleTimeout is the http.Server.IdleTimeout a vhost with keep-alive
// timeout d asks for: negative for none.
func idleTimeout(d time.Duration) time.Duration {
	if d == 0 {
		return DefaultKeepAliveTimeout
	}
	return d
}

// Vhost is a virtual host of a Server. It is an http.Handler.
type Vhost struct {
	srv       *Server
	name      string
	mux       *mux.Vhost
	protocols []*VhostProtocol
	ln        *listener
	obs       Observer // nil: none
	// companions are other packages' state that ends with the vhost's
	// connections (package client's attempts and transports).
	companions companions
}

// NewVhost adds a vhost, binding its protocols (running their Init) and
// opening its listener if it needs a new one. It must be called before Run.
func (c *Server) NewVhost(o VhostOptions) (*Vhost, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return nil, ErrRunning
	}
	if o.Name == "" {
		o.Name = "default"
	}
	if o.Listen == "" && (o.TLS != nil || o.Listener != nil) {
		return nil, fmt.Errorf("lws: vhost %q: TLS and Listener options need a Listen address (a vhost without one opens no socket)", o.Name)
	}
	v := &Vhost{srv: c, name: o.Name, obs: o.Observer}
	if v.obs == nil {
		v.obs = c.opts.Observer
	}
	v.mux = &mux.Vhost{
		Name:           o.Name,
		OriginPatterns: o.OriginPatterns,
		AllowAnyOrigin: o.AllowAnyOrigin,
		BeforeAccept:   o.BeforeAccept,
		Mounts:         o.Mounts,
		HTTP:           o.HTTP,
		Logger:         c.log.With("vhost", o.Name),

		ErrorDocument404:  o.ErrorDocument404,
		WriteStallTimeout: o.WriteStallTimeout,

		ServerString: o.ServerString,
		STS:          o.STS,
		Headers:      o.Headers,
		RejectAgents: o.RejectAgents,
	}
	if o.AccessLog != nil {
		v.mux.AccessLog = mux.NewAccessLog(o.AccessLog)
	}
	if v.obs != nil {
		v.mux.Observer = v.obs
	}
	seen := map[string]bool{}
	for _, p := range o.Protocols {
		if p == nil || p.Name == "" || p.NewSession == nil {
			return nil, fmt.Errorf("lws: vhost %q: a protocol needs a Name and a NewSession", o.Name)
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("lws: vhost %q: protocol %q listed twice", o.Name, p.Name)
		}
		seen[p.Name] = true
		vp := v.bind(p, o.ProtocolOptions[p.Name])
		if _, ok := vp.Options["default"]; ok {
			v.mux.Default = p.Name
		}
	}
	mounts, err := v.bindCallbacks(o.Mounts)
	if err != nil {
		return nil, err
	}
	v.mux.Mounts = mounts
	for name := range o.ProtocolOptions {
		if !seen[name] {
			return nil, fmt.Errorf("lws: vhost %q: options given for protocol %q, which it does not have", o.Name, name)
		}
	}
	for i, vp := range v.protocols {
		if vp.Protocol.Init == nil {
			continue
		}
		if err := vp.Protocol.Init(vp); err != nil {
			v.destroy(v.protocols[:i])
			return nil, fmt.Errorf("lws: vhost %q: init of protocol %q: %w", o.Name, vp.Protocol.Name, err)
		}
	}
	if err := c.checkRawFallback(v, o); err != nil {
		v.destroy(v.protocols)
		return nil, err
	}
	if o.Listen != "" {
		if err := c.attach(v, o); err != nil {
			v.destroy(v.protocols)
			return nil, err
		}
		v.setRawFallback(o.RawFallback)
	}
	c.vhosts = append(c.vhosts, v)
	return v, nil
}

// destroy runs Destroy for the given bindings.
func (v *Vhost) destroy(vps []*VhostProtocol) {
	for _, vp := range vps {
		if vp.Protocol.Destroy != nil {
			vp.Protocol.Destroy(vp)
		}
	}
}

// bind makes the VhostProtocol of p on v.
func (v *Vhost) bind(p *Protocol, options map[string]string) *VhostProtocol {
	vp := &VhostProtocol{Vhost: v, Protocol: p, Options: options}
	if vp.Options == nil {
		vp.Options = map[string]string{}
	}
	vp.mux = &mux.Protocol{
		Name:        p.Name,
		NewSession:  func(c *conn.Conn) conn.Session { return p.NewSession(vp, c) },
		Compression: p.Compression,
		Conn: &conn.Options{
			RxBufferSize:   p.RxBufferSize,
			PingInterval:   p.PingInterval,
			PongTimeout:    p.PongTimeout,
			MaxMessageSize: p.MaxMessageSize,
			Set:            &vp.conns,
			Observer:       v.connObserver(p.Name),
		},
	}
	v.protocols = append(v.protocols, vp)
	v.mux.Protocols = append(v.mux.Protocols, vp.mux)
	return vp
}

// attach puts v on the listener for o.Listen, opening it if it is new.
func (c *Server) attach(v *Vhost, o VhostOptions) error {
	addr := o.Listen
	_, port, _ := net.SplitHostPort(addr)
	for _, l := range c.listeners {
		if (l.addr == addr && port != "0") || l.ln.Addr().String() == addr {
			for _, other := range l.hosts {
				if other.Name == v.name {
					return fmt.Errorf("%w: %q on %s", ErrDuplicateVhost, v.name, addr)
				}
			}
			if err := l.join(v, o); err != nil {
				return err
			}
			l.hosts = append(l.hosts, v.mux)
			if d := idleTimeout(o.KeepAliveTimeout); l.idle > 0 && (d < 0 || d > l.idle) {
				l.idle = d // the largest; negative (none) is the largest of all
			}
			v.ln = l
			return nil
		}
	}
	l := &listener{addr: addr, hosts: mux.Hosts{v.mux}, opts: o.Listener, idle: idleTimeout(o.KeepAliveTimeout)}
	if err := l.join(v, o); err != nil {
		return err
	}
	var ln net.Listener
	var err error
	if listen.IsUnix(addr) {
		ln, err = listen.Unix(addr, o.UnixSocketOwner)
	} else {
		ln, err = listen.TCP(addr, o.Listener)
	}
	if err != nil {
		return fmt.Errorf("lws: vhost %q: %w", v.name, err)
	}
	l.nonTLS = o.NonTLS
	l.ln = ln
	c.listeners = append(c.listeners, l)
	v.ln = l
	return nil
}

// Name is the vhost's name.
func (v *Vhost) Name() string { return v.name }

// Addr is the address the vhost listens on, or nil if it has no listener.
func (v *Vhost) Addr() net.Addr {
	if v.ln == nil {
		return nil
	}
	return v.ln.ln.Addr()
}

// URL is "http://" (or "https://" on a TLS listener) plus the listening
// address, or "" without a listener.
func (v *Vhost) URL() string {
	if a := v.Addr(); a != nil {
		if a.Network() == "unix" {
			return listen.UnixPrefix + a.String()
		}
		if v.ln.tls != nil {
			return "https://" + a.String()
		}
		return "http://" + a.String()
	}
	return ""
}

// Protocol returns the vhost's binding of the protocol named name, or nil.
func (v *Vhost) Protocol(name string) *VhostProtocol {
	for _, vp := range v.protocols {
		if vp.Protocol.Name == name {
			return vp
		}
	}
	return nil
}

// Protocols returns the vhost's protocol bindings.
func (v *Vhost) Protocols() []*VhostProtocol {
	return append([]*VhostProtocol(nil), v.protocols...)
}

// Logger returns the vhost's logger.
func (v *Vhost) Logger() *slog.Logger { return v.mux.Logger }

// ServeHTTP serves r as this vhost: WebSocket upgrades (HTTP/1.1, and over
// HTTP/2 streams in a program that imports package h2ws) to its protocols,
// the rest through its HTTP handler.
func (v *Vhost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if conn.IsExtendedConnect(r) {
		mux.H2WebSockets(v.mux).ServeHTTP(w, r)
		return
	}
	v.mux.ServeHTTP(w, r)
}

// Server returns the Server the vhost belongs to.
func (v *Vhost) Server() *Server { return v.srv }
