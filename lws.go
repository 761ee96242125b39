// Package lws is golws: the programming model of libwebsockets in Go.
//
// A Server holds vhosts; a vhost speaks WebSocket protocols (and serves
// HTTP); each connection runs in the engine of package conn, where the
// receiver is the boss: a Session writes only from its Writeable callback,
// requested with RequestWritable, and turns rx off when it cannot keep up, so
// TCP backpressure reaches the peer and nothing buffers without bound.
//
//	srv := lws.New(nil)
//	vh, err := srv.NewVhost(lws.VhostOptions{
//		Listen:    "127.0.0.1:7681",
//		Protocols: []*lws.Protocol{echoProtocol},
//	})
//	...
//	err = srv.Run(signalContext) // serves until the context ends
//
// A Vhost is also an http.Handler, and Server.Handler routes by Host, so
// either mounts into an existing net/http server.
//
// # Concurrency
//
// Every method of Server, Vhost and VhostProtocol is safe from any
// goroutine, including Wake and RequestWritableAll, which never block.
//
// # Cancellation
//
// Run serves until its context ends, then closes the listeners, sends close
// frames (1001) to every WebSocket peer, closes raw and UDP connections,
// adopted listeners and pending raw dials, and waits for every connection's
// goroutines before it returns.
package lws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/mux"
)

// DefaultShutdownTimeout bounds how long Run waits for connections to end
// after its context is done, when Options leaves ShutdownTimeout zero.
const DefaultShutdownTimeout = 10 * time.Second

// Options configure a Server. A nil *Options means all defaults.
type Options struct {
	// Logger receives the framework's log. Nil means a text logger on
	// stderr at logging.LevelNotice (see logging.NewLogger).
	Logger *slog.Logger
	// ShutdownTimeout bounds the wait for connections at shutdown; past it
	// they are cut off. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers on the Server's
	// listeners, and a TLS handshake. A client that trickles its headers
	// (slowloris) is cut off when it runs out. Zero means 10 s.
	ReadHeaderTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's headers; a larger
	// request gets 431. Zero means net/http's 1 MB.
	MaxHeaderBytes int
	// MaxConns bounds the connections open on all the Server's listeners
	// at once. A connection over the limit is accepted and closed at once
	// (the client sees the connection end before any byte); connections
	// already open are unharmed. Zero means listen.DefaultMaxConns (the
	// file-descriptor limit less listen.FDReserve); negative means no limit.
	MaxConns int
	// MaxConnsPerIP is a hard limit on the connections open from one peer
	// IP; extra ones are closed at once like those over MaxConns. Zero
	// means no limit.
	MaxConnsPerIP int
	// MaxRequestsPerIP is a soft limit on the HTTP requests (and WebSocket
	// upgrades) of one peer IP processed at once: extra ones wait for a
	// turn, they are not refused. Zero means no limit.
	MaxRequestsPerIP int
	// Observer, if set, instruments every vhost that has no Observer of
	// its own: connections opened and closed, traffic, HTTP responses and
	// failed upgrades (see Observer and package metrics). Nil means none.
	Observer Observer
}

// Errors of Server and Vhost set-up.
var (
	// ErrRunning is returned when something that must precede Start (or
	// Run) is done after it, or when Start or Run is called twice.
	ErrRunning = errors.New("lws: server is already running")
	// ErrDuplicateVhost is returned for a second vhost of the same name on
	// the same listener.
	ErrDuplicateVhost = errors.New("lws: duplicate vhost")
)

// Server is a golws server: its vhosts, their listeners and protocols, and
// the lifetime of all their connections. Make one with New.
type Server struct {
	log  *slog.Logger
	opts Options
	wake flow.Signal

	limits *listen.Limits

	mu        sync.Mutex
	vhosts    []*Vhost
	listeners []*listener
	running   bool // started or closed: no more vhosts
	started   bool
	closed    bool
	cancel    context.CancelFunc // ends what Start began
	failed    <-chan struct{}    // closed when a listener fails or Close begins
	group     *errgroup.Group
	closing   sync.Once
	closeErr  error

	tasks tasks // goroutines that live as long as Run (adopt.go, dialraw.go)
}

// listener is one listening socket and the vhosts that share it.
type listener struct {
	addr  string
	ln    net.Listener
	hosts mux.Hosts
	srv   *http.Server
	opts  *listen.Options // of the vhost that opened it
	tls   *listenerTLS    // nil: plain TCP
	// idle is the HTTP keep-alive timeout: the largest of its vhosts'
	// (negative: none; see VhostOptions.KeepAliveTimeout).
	idle time.Duration
	// fallback, if set, sends connections that are not HTTP to a raw
	// protocol (fallback.go).
	fallback *rawFallback
	// nonTLS says what a TLS listener does with plain connections
	// (nontls.go); set by the vhost that opened it.
	nonTLS NonTLS
}

// New returns a Server with no vhosts.
func New(opts *Options) *Server {
	c := &Server{wake: flow.NewSignal()}
	if opts != nil {
		c.opts = *opts
	}
	if c.opts.ShutdownTimeout <= 0 {
		c.opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.opts.ReadHeaderTimeout <= 0 {
		c.opts.ReadHeaderTimeout = 10 * time.Second
	}
	c.log = c.opts.Logger
	if c.log == nil {
		c.log = logging.NewLogger(nil, logging.LevelNotice)
	}
	c.limits = listen.NewLimits(c.opts.MaxConns, c.opts.MaxConnsPerIP, c.opts.MaxRequestsPerIP)
	return c
}

// Logger returns the Server's logger.
func (c *Server) Logger() *slog.Logger { return c.log }

// Vhosts returns the Server's vhosts in the order they were made.
func (c *Server) Vhosts() []*Vhost {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Vhost(nil), c.vhosts...)
}

// Vhost returns the vhost named name, or nil.
func (c *Server) Vhost(name string) *Vhost {
	for _, v := range c.Vhosts() {
		if v.name == name {
			return v
		}
	}
	return nil
}

// Handler routes requests to the Server's vhosts by Host header, for
// mounting into a server of one's own: exact name, then parent domain, then
// the first vhost. It takes WebSockets over HTTP/2 streams too (see
// mux.H2WebSockets and package h2ws).
func (c *Server) Handler() http.Handler {
	return mux.H2WebSockets(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		hs := make(mux.Hosts, len(c.vhosts))
		for i, v := range c.vhosts {
			hs[i] = v.mux
		}
		c.mu.Unlock()
		hs.ServeHTTP(w, r)
	}))
}

// Wake calls the Wake callback of every protocol on every vhost, one at a
// time, from the Server's own goroutine (lws_cancel_service and
// LWS_CALLBACK_EVENT_WAIT_CANCELLED). It is cheap, never blocks and is safe
// from any goroutine; wakes made before the callbacks run coalesce into one
// round. Wakes are delivered between Start (or Run) and Close.
func (c *Server) Wake() { c.wake.Notify() }

func (c *Server) deliverWakes(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.wake.C():
			for _, v := range c.Vhosts() {
				for _, vp := range v.protocols {
					if vp.Protocol.Wake != nil {
						vp.Protocol.Wake(vp)
					}
				}
			}
		}
	}
}

// RequestWritableAll asks for a Writeable callback on every connection of
// the protocol named name, on every vhost. It never blocks.
func (c *Server) RequestWritableAll(name string) {
	for _, v := range c.Vhosts() {
		if vp := v.Protocol(name); vp != nil {
			vp.RequestWritableAll()
		}
	}
}

// abortAll cuts every connection of every vhost off at once, without a
// closing handshake.
func (c *Server) abortAll() {
	for _, v := range c.Vhosts() {
		for _, vp := range v.protocols {
			vp.conns.Each((*conn.Conn).Abort)
		}
	}
}

// Shutdown closes every WebSocket connection of every vhost with 1001
// "going away", refuses new ones, and waits until all have ended or ctx
// ends. Run calls it; a program that mounts Handler into a server of its own
// calls it when that server shuts down (http.Server does not track the
// connections it hands over).
func (c *Server) Shutdown(ctx context.Context) error {
	if err := c.endConnections(ctx); err != nil {
		return err
	}
	return c.waitCompanions(ctx)
}

// endConnections closes every connection of every vhost and waits for all
// of them, or for ctx; the vhosts' companions are told to stop first.
func (c *Server) endConnections(ctx context.Context) error {
	vhosts := c.Vhosts()
	for _, v := range vhosts {
		v.companions.stop() // pending client attempts give up
		for _, vp := range v.protocols {
			vp.conns.CloseAll(conn.StatusGoingAway, "server shutdown")
		}
	}
	for _, v := range vhosts {
		for _, vp := range v.protocols {
			if err := vp.conns.Wait(ctx); err != nil {
				return fmt.Errorf("lws: vhost %q protocol %q: %d connections left: %w", v.name, vp.Protocol.Name, vp.conns.Len(), err)
			}
		}
	}
	return nil
}

// waitCompanions waits for every vhost's companions (see Companion), once
// every connection of every vhost has ended.
func (c *Server) waitCompanions(ctx context.Context) error {
	for _, v := range c.Vhosts() {
		if err := v.companions.wait(ctx); err != nil {
			return fmt.Errorf("lws: vhost %q: companions left (client attempts): %w", v.name, err)
		}
	}
	return nil
}

// destroy runs every protocol's Destroy once its connections have ended.
func (c *Server) destroy() {
	for _, v := range c.Vhosts() {
		v.destroy(v.protocols)
	}
}

func vhostNames(hs mux.Hosts) []string {
	names := make([]string, len(hs))
	for i, v := range hs {
		names[i] = v.Name
	}
	return names
}
