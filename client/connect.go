package client

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// DefaultTimeout bounds a client connection attempt when
// Options leaves Timeout zero (lws's 5 s).
const DefaultTimeout = 5 * time.Second

// Options describe a client connection (lws_client_connect_info).
// The URL's scheme picks the kind: ws:// and wss:// open a WebSocket,
// http:// and https:// make an HTTP request whose response body is the
// connection's input.
type Options struct {
	// URL is where to connect: ws, wss, http or https.
	URL string
	// Protocol names the vhost's protocol whose NewSession makes the
	// connection's session (Connect). Empty means the vhost's first
	// protocol. Dial and Run take the protocol itself instead.
	Protocol string
	// Subprotocols are offered in Sec-WebSocket-Protocol (WebSocket only).
	// Nil means the protocol's name; an empty non-nil slice offers none.
	Subprotocols []string
	// Origin, if set, is sent as the Origin header.
	Origin string
	// Header holds extra request headers.
	Header http.Header
	// TLSConfig configures wss and https. Nil means the system roots and
	// the URL's host name. HTTP requests share connections only when they
	// use the same TLSConfig (and Dialer) pointer.
	TLSConfig *tls.Config
	// Dialer makes the TCP connections; nil means a plain net.Dialer. Its
	// Resolver decides how names are looked up.
	Dialer *net.Dialer
	// Compression sets permessage-deflate for a WebSocket. The zero value
	// means the protocol's Compression.
	Compression mux.Compression
	// RxBufferSize bounds each received chunk. Zero means the protocol's.
	RxBufferSize int
	// Timeout bounds the attempt: until the WebSocket handshake is done, or
	// until an HTTP response's headers have arrived (a request waiting for
	// its turn in a pipeline is not yet timed). It never applies to an
	// established connection. Zero means DefaultTimeout.
	Timeout time.Duration
	// Method is the HTTP method (HTTP only). Empty means GET.
	Method string
	// Body is the HTTP request body (HTTP only), nil for none. A
	// *bytes.Reader, *bytes.Buffer or *strings.Reader gives the request a
	// Content-Length; other readers are sent chunked.
	Body io.Reader
	// Pipeline queues an HTTP request behind the others of this vhost to the
	// same host (lws's LCCSCF_PIPELINE): while the first response is
	// awaited the rest wait; if it comes over HTTP/2 they all go at once as
	// streams of that one connection; over HTTP/1.1 with keep-alive they go
	// one after another over the one connection; without keep-alive each
	// goes its own way. Without Pipeline concurrent requests each open a
	// connection when none is idle. With HTTP2 as well, a request and the
	// pipelined WebSockets to the host share one HTTP/2 connection, and
	// nothing queues (see HTTP2).
	Pipeline bool
	// HTTP2 opens the WebSocket (ws or wss) on a stream of an HTTP/2
	// connection (RFC 8441): over TLS with ALPN h2 for wss, h2c with prior
	// knowledge for ws. With Pipeline the stream joins the vhost's HTTP/2
	// connection to the host, so pipelined WebSockets share one socket;
	// without, it gets a connection of its own. Go's HTTP client cannot
	// send the extended CONNECT, so golws speaks HTTP/2 itself for these
	// (conn.H2Conn). A server that does not offer WebSockets over HTTP/2
	// (wss: no h2 by ALPN, or no extended CONNECT; ws: no answer to h2c
	// with prior knowledge, or no extended CONNECT) is dialled with the
	// HTTP/1.1 upgrade instead. The server must announce
	// SETTINGS_ENABLE_CONNECT_PROTOCOL (a golws server in a program that
	// imports github.com/golws/lws/h2ws does).
	//
	// The vhost remembers for a minute, or until HTTP/2 works there again,
	// a host found not to speak HTTP/2 or not to offer WebSockets over it
	// (per host, TLSConfig and Dialer; ws with http, wss with https):
	// meanwhile its WebSockets, and its pipelined requests if it has no
	// HTTP/2 at all, go straight to HTTP/1.1 instead of paying a dial each
	// to learn it again.
	//
	// With Pipeline, an HTTP request (http or https) goes as a stream of
	// that same connection: https shares it with wss, http (h2c with prior
	// knowledge) with ws, given the same host, TLSConfig and Dialer; a
	// request may open it, and WebSockets dialled later join it. The
	// connection closes when its last stream ends. The response body's
	// stream window reopens only as the connection reads it, so rx off
	// holds the server back; the rest (ResponseHandler, Receive, Timeout,
	// errors) is as over net/http. A server that does not speak HTTP/2 (no
	// h2 by ALPN, no answer to h2c) gets the request through net/http, as
	// without HTTP2. Without Pipeline, HTTP2 does not change HTTP requests.
	HTTP2 bool
	// Value is the application's own value for the attempt (lws's opaque
	// user data), available from Client.Value in every callback, so the
	// attempt is known even where the *Client returned by Connect has not
	// been stored yet.
	Value any
	// ConnectionError, if set, is called once if the attempt fails, with
	// a *ConnectError (lws's CLIENT_CONNECTION_ERROR). It runs on the
	// attempt's own goroutine and may run before Connect has returned:
	// identify the attempt by h (the pointer Connect returns) or h.Value.
	// Nil means the failure is logged at logging.LevelWarn.
	ConnectionError func(h *Client, err error)
	// Retry, if set, makes a WebSocket client reconnect with backoff after
	// a failed attempt or a lost connection (see Retry); Done then closes
	// once the first connection is made or the client gives up. Nil means
	// one attempt. HTTP requests do not retry.
	Retry *Retry
	// Logger receives the log of the Server that Dial and Run make for
	// the client. Nil means warnings and errors to stderr. Connect logs
	// to the vhost's logger.
	Logger *slog.Logger
}

// Client is one client connection attempt and, once it succeeds, the
// connection it made (with Retry, the connections it makes). Connect and
// Dial return it at once. Its methods are safe from any goroutine.
type Client struct {
	vp     *lws.VhostProtocol
	cs     *clients    // the vhost's attempts and shared connections
	srv    *lws.Server // Dial's own Server, nil for Connect
	opts   Options
	url    *url.URL
	id     uint64
	ctx    context.Context // ends with Close or shutdown
	cancel context.CancelCauseFunc
	done   chan struct{} // closed once the attempt has succeeded or failed
	// stopped is closed when the client's goroutine returns: no more
	// attempts (see Ended).
	stopped chan struct{}
	ending  sync.Once
	ended   chan struct{}

	req *http.Request // HTTP only, made by Connect

	mu     sync.Mutex
	err    error          // guarded by mu: why the attempt failed
	resp   *http.Response // guarded by mu
	remote string         // guarded by mu
	conn   *conn.Conn     // guarded by mu
	closed bool           // guarded by mu: Close was called
}

var lastClientID atomic.Uint64

// ErrShutdown is returned by Connect on a vhost whose Server is shutting
// down.
var ErrShutdown = fmt.Errorf("client: the server is shutting down: %w", conn.ErrClosed)

// Connect starts a client connection from vhost v and returns at once
// (lws's lws_client_connect_via_info); the attempt goes on in the
// background. On success the connection runs like any other of the
// protocol on v:
// the session made by the protocol's NewSession gets Established (for HTTP,
// after the response headers: see ResponseHandler), then its input; it is
// tracked with the protocol's other connections, so RequestWritableAll and
// shutdown reach it. On failure ConnectionError is called with a
// *ConnectError. Errors in the options are returned by Connect itself.
//
// Connect works whether or not the Server runs; the end of Run (or
// Server.Shutdown) cancels pending attempts, closes client connections
// and the idle connections kept for HTTP keep-alive, and waits for them.
func Connect(v *lws.Vhost, o Options) (*Client, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("client: connect: %w", err)
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("client: connect %q: scheme must be ws, wss, http or https", o.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("client: connect %q: no host", o.URL)
	}
	var vp *lws.VhostProtocol
	switch {
	case o.Protocol != "":
		if vp = v.Protocol(o.Protocol); vp == nil {
			return nil, fmt.Errorf("client: connect %q: vhost %q has no protocol %q", o.URL, v.Name(), o.Protocol)
		}
	case len(v.Protocols()) > 0:
		vp = v.Protocols()[0]
	default:
		return nil, fmt.Errorf("client: connect %q: vhost %q has no protocols", o.URL, v.Name())
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	o.Header = o.Header.Clone()
	h := &Client{vp: vp, cs: clientsOf(v), opts: o, url: u, id: lastClientID.Add(1), done: make(chan struct{}), stopped: make(chan struct{}), ended: make(chan struct{})}
	h.ctx, h.cancel = context.WithCancelCause(context.Background())
	if u.Scheme == "http" || u.Scheme == "https" {
		if h.req, err = h.newRequest(); err != nil {
			h.cancel(nil)
			return nil, fmt.Errorf("client: connect %q: %w", o.URL, err)
		}
	}
	if !h.cs.add(h) {
		h.cancel(nil)
		return nil, ErrShutdown
	}
	go h.run()
	return h, nil
}

// run is the attempt's goroutine.
func (h *Client) run() {
	defer h.cs.remove(h)
	defer close(h.stopped)
	if h.opts.Retry != nil && (h.url.Scheme == "ws" || h.url.Scheme == "wss") {
		h.runRetrying()
		return
	}
	var c *conn.Conn
	var err error
	switch h.url.Scheme {
	case "ws", "wss":
		c, err = h.dialWebSocket()
	default:
		c, err = h.request()
	}
	h.attempted(c, err)
	if err != nil {
		h.cancel(errConnectCanceled)
		h.report(err)
	}
	close(h.done)
}

// attempted records the outcome of an attempt: the connection, or why
// there is none. A connection made as Close was called is closed.
func (h *Client) attempted(c *conn.Conn, err error) {
	h.mu.Lock()
	h.conn, h.err = c, err
	closed := h.closed
	h.mu.Unlock()
	if c != nil && closed {
		c.Close(conn.StatusNormal, "") // Close came as the connection was made
	}
}

// report tells ConnectionError (or the log) of a failed attempt.
func (h *Client) report(err error) {
	if f := h.opts.ConnectionError; f != nil {
		f(h, err)
	} else {
		h.vp.Vhost.Logger().Warn("client connection failed", "id", h.id, "url", h.opts.URL, "err", err)
	}
}

// established records the response and the peer of a connection just
// made and starts it (see start).
func (h *Client) established(t conn.Transport, resp *http.Response, remote, subprotocol string) (*conn.Conn, error) {
	h.mu.Lock()
	h.resp, h.remote = resp, remote
	h.mu.Unlock()
	info := &conn.Info{
		Header:      resp.Header,
		URL:         h.url,
		Host:        h.url.Host,
		RemoteAddr:  remote,
		Subprotocol: subprotocol,
	}
	return h.start(t, info, resp)
}

// start puts the established connection into the engine: the shared way in
// (as lws.VhostProtocol.Adopt), with the response delivered to a
// ResponseHandler before any other callback.
func (h *Client) start(t conn.Transport, info *conn.Info, resp *http.Response) (*conn.Conn, error) {
	c, err := h.vp.AdoptWith(t, info, lws.AdoptOptions{
		RxBufferSize: h.opts.RxBufferSize,
		Session: func(c *conn.Conn, s conn.Session) conn.Session {
			if rh, ok := s.(ResponseHandler); ok && resp != nil {
				if err := rh.Response(c, resp); err != nil {
					return &refusedSession{s, err}
				}
			}
			return s
		},
	})
	if err != nil {
		return nil, classify(h.opts.URL, h.ctx, err, 0)
	}
	return c, nil
}

// ID is a number unique to this attempt within the process.
func (h *Client) ID() uint64 { return h.id }

// URL is the URL the attempt is for.
func (h *Client) URL() string { return h.opts.URL }

// Value is Options.Value.
func (h *Client) Value() any { return h.opts.Value }

// Protocol is the vhost's protocol the connection belongs to.
func (h *Client) Protocol() *lws.VhostProtocol { return h.vp }

// Done is closed once the attempt has succeeded or failed (after the
// ConnectionError callback has returned); with Retry, once the first
// connection is made or the client has given up.
func (h *Client) Done() <-chan struct{} { return h.done }

// Connected blocks until the attempt has succeeded or failed, or ctx ends.
// It returns the connection, or the *ConnectError (or ctx's error).
func (h *Client) Connected(ctx context.Context) (*conn.Conn, error) {
	select {
	case <-h.done:
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.conn, h.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Conn returns the established connection, or nil while the attempt is
// pending or when it failed; with Retry, the current connection, nil
// between connections.
func (h *Client) Conn() *conn.Conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conn
}

// Response returns the HTTP response of an HTTP client connection (status
// and headers; its Body belongs to the connection, which delivers it through
// Receive), or the handshake response of a WebSocket one. Call it from the
// connection's callbacks or after Done.
func (h *Client) Response() *http.Response {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.resp
}

// RemoteAddr is the address of the peer the connection was made to. Call it
// from the connection's callbacks or after Done.
func (h *Client) RemoteAddr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.remote
}

// Close abandons a pending attempt (its ConnectionError is called with
// ConnectCanceled) or closes the established connection with 1000; no
// reconnection follows. It does not block, so a callback may call it
// (Of(c).Close()); Wait waits for the end.
func (h *Client) Close() {
	h.mu.Lock()
	h.closed = true
	c := h.conn
	h.mu.Unlock()
	h.cancel(errConnectCanceled)
	if c != nil {
		c.Close(conn.StatusNormal, "")
	}
}

// Of returns the attempt a client connection came from, or nil for
// a connection that is not a client's.
func Of(c *conn.Conn) *Client {
	switch t := c.Transport().(type) {
	case *wsClient:
		return t.h
	case *httpClient:
		return t.h
	}
	return nil
}

// refusedSession stands in for a session whose ResponseHandler refused the
// response: the connection closes at once with its error, and only the
// session's Closed runs.
type refusedSession struct {
	s   conn.Session
	err error
}

func (r *refusedSession) Established(*conn.Conn) error         { return r.err }
func (r *refusedSession) Receive(*conn.Conn, conn.Chunk) error { return r.err }
func (r *refusedSession) Writeable(*conn.Conn) error           { return nil }
func (r *refusedSession) Closed(c *conn.Conn, err error) {
	if h, ok := r.s.(conn.ClosedHandler); ok {
		h.Closed(c, err)
	}
}
