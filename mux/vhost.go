package mux

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/net/http/httpguts"

	"github.com/golws/lws/conn"
)

// Vhost serves one virtual host: WebSocket upgrades to its protocols and
// everything else through HTTP.
type Vhost struct {
	// Name is the host name the vhost answers to.
	Name string
	// Protocols are the WebSocket subprotocols the vhost speaks.
	Protocols []*Protocol
	// Default names the protocol for upgrades that name no subprotocol
	// (lws pvo "default"). Empty means the first of Protocols.
	Default string
	// OriginPatterns lists extra origins allowed to open WebSockets, as
	// path.Match patterns of the Origin's host (or scheme://host). A request
	// whose Origin is another host than the request's own is refused with
	// 403 unless it matches.
	OriginPatterns []string
	// AllowAnyOrigin turns origin checking off.
	AllowAnyOrigin bool
	// BeforeAccept, if set, runs before each upgrade with the chosen protocol
	// and a copy of its settings, which it may change for this connection.
	// An error refuses the upgrade with 403 and the error's text.
	BeforeAccept func(r *http.Request, p *Protocol, s *AcceptSettings) error
	// Mounts map parts of the URL space to handlers for requests that are
	// not WebSocket upgrades; the longest matching mount wins.
	Mounts Mounts
	// HTTP serves requests that are not upgrades and match no mount.
	// Nil means 404.
	HTTP http.Handler
	// ErrorDocument404, if set, is the URL 404s are redirected to (lws
	// error_document_404); see Error.
	ErrorDocument404 string
	// WriteStallTimeout bounds each write of an HTTP response (not a
	// WebSocket): a client that takes nothing for that long is cut off,
	// so one that stops reading cannot hold a handler and its connection
	// for ever. A file is sent in pieces of 1 MiB, each with its own
	// deadline, so slow but live clients are never cut. Zero means
	// DefaultWriteStallTimeout (30 s); negative means no limit.
	WriteStallTimeout time.Duration
	// Logger receives connection events. Nil means slog.Default().
	Logger *slog.Logger
	// Observer, if set, is told of every HTTP response (status and time,
	// by mount) and of every refused or failed WebSocket upgrade. Nil
	// means no instrumentation and no wrapping of responses.
	Observer Observer
	// ServerString, if set, is sent as the Server header of every
	// response (lws server_string).
	ServerString string
	// STS sends Strict-Transport-Security (STSValue) with every response
	// (lws LWS_SERVER_OPTION_STS).
	STS bool
	// Headers are added to every response (lws vhost headers); a handler
	// may still replace them.
	Headers http.Header
	// RejectAgents refuse requests by User-Agent keyword (lws
	// reject_service_keywords).
	RejectAgents []AgentRule
	// AccessLog, if set, gets a line for every HTTP request that is not a
	// WebSocket upgrade (lws's vhost access log).
	AccessLog *AccessLog
}

// writeStall is the vhost's write stall timeout; 0 or less: none.
func (v *Vhost) writeStall() time.Duration {
	if v.WriteStallTimeout == 0 {
		return DefaultWriteStallTimeout
	}
	return v.WriteStallTimeout
}

// ErrUnknownProtocol is the cause of refusing an upgrade whose
// Sec-WebSocket-Protocol names no protocol of the vhost.
var ErrUnknownProtocol = errors.New("mux: unknown WebSocket subprotocol")

// ServeHTTP upgrades WebSocket requests (unless a mount that handles
// upgrades, such as a proxy, takes them) and passes the rest to the mounts
// or HTTP.
func (v *Vhost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.responseHeaders(w)
	if !IsWebSocketUpgrade(r) {
		if v.AccessLog != nil {
			v.AccessLog.serve(w, r, v.serveNonUpgrade)
			return
		}
		v.serveNonUpgrade(w, r)
		return
	}
	if v.rejectAgent(w, r) {
		return
	}
	if h := v.Mounts.upgradeMount(r); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	v.upgrade(w, r)
}

// serveNonUpgrade serves a request that is not a WebSocket upgrade.
func (v *Vhost) serveNonUpgrade(w http.ResponseWriter, r *http.Request) {
	if v.rejectAgent(w, r) {
		return
	}
	if d := v.writeStall(); d > 0 {
		sw := newStallWriter(w, d)
		defer sw.done()
		w = sw
	}
	m := v.Mounts.Match(r.URL.Path)
	if v.Observer == nil {
		v.serveHTTP(m, w, r)
		return
	}
	mount := ""
	if m != nil {
		mount = m.Path
	}
	serveObserved(v.Observer, v.Name, mount, w, r, func(w http.ResponseWriter, r *http.Request) { v.serveHTTP(m, w, r) })
}

// serveHTTP serves a request that is not an upgrade through m, or HTTP
// when m is nil.
func (v *Vhost) serveHTTP(m *Mount, w http.ResponseWriter, r *http.Request) {
	if m != nil {
		if m.BasicAuth != nil {
			if r = m.BasicAuth.authorize(v, w, r); r == nil {
				return
			}
		}
		serveMount(v, m.Handler, w, withMountOptions(m, r))
		return
	}
	if v.HTTP == nil {
		v.Error(w, r, http.StatusNotFound, "")
		return
	}
	v.HTTP.ServeHTTP(w, r)
}

// upgradeFailed tells the observer, if any, of a failed upgrade.
func (v *Vhost) upgradeFailed(protocol, reason string, err error) {
	if v.Observer != nil {
		v.Observer.UpgradeFailed(v.Name, protocol, reason, err)
	}
}

// IsWebSocketUpgrade reports whether r asks for a WebSocket upgrade.
func IsWebSocketUpgrade(r *http.Request) bool {
	return httpguts.HeaderValuesContainsToken(r.Header.Values("Connection"), "upgrade") &&
		httpguts.HeaderValuesContainsToken(r.Header.Values("Upgrade"), "websocket")
}

// Protocol returns the vhost's protocol named name, or nil.
func (v *Vhost) Protocol(name string) *Protocol {
	for _, p := range v.Protocols {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// choose picks the protocol for r: the first subprotocol the client offers
// that the vhost speaks, else (when the client offers none) the default.
func (v *Vhost) choose(r *http.Request) (p *Protocol, offered bool, err error) {
	var names []string
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for t := range strings.SplitSeq(h, ",") {
			if t = strings.TrimSpace(t); t != "" {
				names = append(names, t)
			}
		}
	}
	if len(names) == 0 {
		if v.Default != "" {
			if p := v.Protocol(v.Default); p != nil {
				return p, false, nil
			}
			return nil, false, fmt.Errorf("mux: vhost %q: default protocol %q is not one of its protocols", v.Name, v.Default)
		}
		if len(v.Protocols) == 0 {
			return nil, false, fmt.Errorf("mux: vhost %q has no WebSocket protocols", v.Name)
		}
		return v.Protocols[0], false, nil
	}
	for _, n := range names {
		if p := v.Protocol(n); p != nil {
			return p, true, nil
		}
	}
	var have []string
	for _, p := range v.Protocols {
		have = append(have, p.Name)
	}
	return nil, true, fmt.Errorf("%w: client offered %s; this server speaks %s",
		ErrUnknownProtocol, strings.Join(names, ", "), strings.Join(have, ", "))
}

// logger is the vhost's logger; a nil Vhost logs to slog.Default().
func (v *Vhost) logger() *slog.Logger {
	if v != nil && v.Logger != nil {
		return v.Logger
	}
	return slog.Default()
}

func (v *Vhost) upgrade(w http.ResponseWriter, r *http.Request) {
	p, offered, err := v.choose(r)
	if err != nil {
		v.logger().Info("websocket upgrade refused", "peer", r.RemoteAddr, "err", err)
		v.upgradeFailed("", UpgradeNoProtocol, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	settings := AcceptSettings{Compression: p.Compression}
	if v.BeforeAccept != nil {
		if err := v.BeforeAccept(r, p, &settings); err != nil {
			v.upgradeFailed(p.Name, UpgradeRefused, err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
	}
	opts := &websocket.AcceptOptions{
		OriginPatterns:       v.OriginPatterns,
		InsecureSkipVerify:   v.AllowAnyOrigin,
		CompressionMode:      settings.Compression.WebSocketMode(),
		CompressionThreshold: settings.Compression.Threshold,
	}
	if offered {
		opts.Subprotocols = []string{p.Name}
	}
	t, err := conn.AcceptWebSocket(w, r, opts)
	if err != nil {
		// Accept has answered the request with the reason.
		v.logger().Info("websocket upgrade failed", "peer", r.RemoteAddr, "err", err)
		v.upgradeFailed(p.Name, UpgradeHandshake, err)
		return
	}
	if _, err := conn.Start(t, conn.InfoFromRequest(r, p.Name), p.NewSession, p.Conn); err != nil {
		v.logger().Info("websocket connection refused", "peer", r.RemoteAddr, "err", err)
		v.upgradeFailed(p.Name, UpgradeStart, err)
	}
}
