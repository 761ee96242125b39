package lws

import (
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// Protocol is a named protocol: a WebSocket subprotocol, the raw role of
// sockets (VhostOptions.RawFallback, Vhost.AdoptConn, AdoptListener, DialRaw),
// files (Vhost.AdoptFile) and UDP (Vhost.ListenUDP, AdoptUDP), or the target
// of a CallbackMount, where each HTTP request is a connection; its sessions
// see all of them through the same callbacks. The same Protocol value may be
// bound to several vhosts; each binding is a VhostProtocol with its own
// options, state and connections. A Protocol must not be changed once bound.
type Protocol struct {
	// Name is the subprotocol name.
	Name string
	// NewSession makes the Session of each new connection (lws's per-session
	// user data plus its callbacks). It runs in the goroutine that accepted
	// the connection, before any callback.
	NewSession func(vp *VhostProtocol, c *conn.Conn) conn.Session
	// Init, if set, runs once per vhost when the protocol is bound
	// (LWS_CALLBACK_PROTOCOL_INIT); it may read vp.Options and set vp.State.
	// An error fails NewVhost.
	Init func(vp *VhostProtocol) error
	// Destroy, if set, runs once per vhost after Run has ended every
	// connection (LWS_CALLBACK_PROTOCOL_DESTROY).
	Destroy func(vp *VhostProtocol)
	// Wake, if set, runs on Server.Wake, serialized with every other Wake
	// callback (LWS_CALLBACK_EVENT_WAIT_CANCELLED).
	Wake func(vp *VhostProtocol)
	// RxBufferSize bounds each received chunk. Zero means
	// conn.DefaultRxBufferSize.
	RxBufferSize int
	// PingInterval, when positive, pings each WebSocket peer that often and
	// closes connections not heard from (a pong, or anything else) within
	// PongTimeout of a ping (zero: PingInterval); see conn.Options.
	PingInterval time.Duration
	PongTimeout  time.Duration
	// MaxMessageSize, when positive, closes a connection that receives a
	// larger message with 1009. Zero means no limit.
	MaxMessageSize int64
	// RawIdleTimeout, when positive, closes a raw socket connection of this
	// protocol (raw fallback, Vhost.AdoptConn, AdoptListener, DialRaw) that
	// receives nothing for that long while it is reading; time spent with
	// rx off does not count. Its session's Closed gets an error matching
	// raw.ErrIdleTimeout. Raw sockets cannot be pinged, so without it a
	// silent peer holds its connection until TCP keepalive finds its host
	// gone. Zero means no limit (the default); it does not apply to
	// WebSockets (see PingInterval) nor to files.
	RawIdleTimeout time.Duration
	// Compression configures permessage-deflate.
	Compression mux.Compression
	// ConnectError, if set, receives the failure of a raw dial of this
	// protocol (Vhost.DialRaw; LWS_CALLBACK_CLIENT_CONNECTION_ERROR), with
	// what was asked for and the cause. It runs on the goroutine that tried
	// to connect. Nil means the failure is logged. (WebSocket and HTTP
	// clients report to client.Options.ConnectionError.)
	ConnectError func(vp *VhostProtocol, err *DialError)
}

// VhostProtocol is a Protocol bound to a Vhost.
type VhostProtocol struct {
	// Vhost is the vhost the protocol is bound to.
	Vhost *Vhost
	// Protocol is the bound protocol.
	Protocol *Protocol
	// Options are the per-vhost options of the protocol (lws pvo).
	Options map[string]string
	// State is the protocol's per-vhost state, set by Init. Access to what
	// it points to from several connections needs the protocol's own locking.
	State any

	conns conn.Set
	mux   *mux.Protocol
}

// RequestWritableAll asks for a Writeable callback on every connection of
// this protocol on this vhost (lws_callback_on_writable_all_protocol_vhost).
// It never blocks.
func (vp *VhostProtocol) RequestWritableAll() { vp.conns.RequestWritableAll() }

// Each calls fn for every live connection of the protocol on this vhost.
func (vp *VhostProtocol) Each(fn func(*conn.Conn)) { vp.conns.Each(fn) }

// Len is the number of live connections of the protocol on this vhost.
func (vp *VhostProtocol) Len() int { return vp.conns.Len() }

// Adopt starts a connection of this protocol over t: the shared way a raw
// socket, an adopted file or FIFO, a UDP socket, a client connection or an
// HTTP request bound to a callback mount enters the engine (lws's
// lws_adopt_descriptor_vhost). The session comes from the protocol's
// NewSession and the connection is tracked with the others of the protocol
// on this vhost. info may be nil; its Subprotocol defaults to the
// protocol's name.
func (vp *VhostProtocol) Adopt(t conn.Transport, info *conn.Info) (*conn.Conn, error) {
	return vp.AdoptWith(t, info, AdoptOptions{})
}

// AdoptOptions adjust one connection that VhostProtocol.AdoptWith starts.
type AdoptOptions struct {
	// RxBufferSize, if positive, bounds each received chunk instead of
	// the protocol's RxBufferSize.
	RxBufferSize int
	// Session, if set, is given the session the protocol's NewSession made
	// for c and returns the one to use: it may hand it something before any
	// callback runs (package client gives an HTTP response), or replace it.
	Session func(c *conn.Conn, s conn.Session) conn.Session
}

// AdoptWith is Adopt with per-connection options.
func (vp *VhostProtocol) AdoptWith(t conn.Transport, info *conn.Info, o AdoptOptions) (*conn.Conn, error) {
	if info == nil {
		info = &conn.Info{}
	}
	if info.Subprotocol == "" {
		info.Subprotocol = vp.Protocol.Name
	}
	opts := vp.mux.Conn
	if o.RxBufferSize > 0 {
		oc := *opts
		oc.RxBufferSize = o.RxBufferSize
		opts = &oc
	}
	newSession := vp.mux.NewSession
	if o.Session != nil {
		newSession = func(c *conn.Conn) conn.Session { return o.Session(c, vp.mux.NewSession(c)) }
	}
	return conn.Start(t, info, newSession, opts)
}
