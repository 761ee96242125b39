package lws

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// NonTLS says what a TLS listener does with a connection whose first byte
// is not a TLS handshake (lws's allow-non-tls, redirect-http and
// allow-http-on-https vhost options). It belongs to the vhost that opens
// the listener.
type NonTLS int

const (
	// NonTLSRefuse hands such connections to TLS, whose handshake fails
	// (lws without LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT).
	NonTLSRefuse NonTLS = iota
	// NonTLSRedirect answers plain HTTP requests with a 301 to the same
	// host and path over https:// (lws's
	// LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS).
	NonTLSRedirect
	// NonTLSServe serves plain HTTP on the TLS listener as if it had come
	// over TLS, vhost by Host header (lws's
	// LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER). It lets anyone drop
	// TLS: use it knowingly.
	NonTLSServe
)

// tlsRecordHandshake is the first byte of every TLS ClientHello.
const tlsRecordHandshake = 0x16

// nonTLSListener sits under a TLS listener's handshakes: it passes up the
// connections that start with a TLS record and serves the others plain
// HTTP itself (redirected or served, per mode). Each connection's first
// byte is awaited in a goroutine of its own, bounded by timeout, so a
// silent client never holds up Accept.
type nonTLSListener struct {
	net.Listener
	mode    NonTLS
	timeout time.Duration
	log     *slog.Logger
	plain   *http.Server
	plainCh chan net.Conn // plain connections, for the plain server

	ready  chan net.Conn // TLS connections, for Accept
	failed chan error
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// wrapNonTLS returns ln as is, or wrapped for l's NonTLS mode.
func (c *Server) wrapNonTLS(l *listener, ln net.Listener, mode NonTLS) net.Listener {
	if mode == NonTLSRefuse {
		return ln
	}
	ctx, cancel := context.WithCancel(context.Background())
	nl := &nonTLSListener{
		Listener: ln, mode: mode, timeout: c.opts.ReadHeaderTimeout, log: c.log,
		plainCh: make(chan net.Conn), ready: make(chan net.Conn), failed: make(chan error, 1),
		ctx: ctx, cancel: cancel,
	}
	var h http.Handler = http.HandlerFunc(redirectToHTTPS)
	if mode == NonTLSServe {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { l.hosts.ServeHTTP(w, r) })
	}
	nl.plain = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.opts.ReadHeaderTimeout,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    c.opts.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(c.log.Handler(), slog.LevelDebug),
	}
	return nl
}

// redirectToHTTPS sends the client to the https:// URL of its request.
func redirectToHTTPS(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if host == "" {
		http.Error(w, "this port speaks https", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusMovedPermanently)
}

// Accept returns the next connection that starts with a TLS record.
func (l *nonTLSListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	if !l.started {
		l.started = true
		l.wg.Add(2)
		go l.acceptLoop()
		go func() {
			defer l.wg.Done()
			l.plain.Serve(&chanListener{ch: l.plainCh, ctx: l.ctx, addr: l.Listener.Addr()})
		}()
	}
	l.mu.Unlock()
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.failed:
		l.failed <- err
		return nil, err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Close stops accepting, closes the plain connections and waits for every
// goroutine of the listener.
func (l *nonTLSListener) Close() error {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if already {
		return nil
	}
	l.cancel()
	err := l.Listener.Close()
	l.plain.Close()
	l.wg.Wait()
	return err
}

func (l *nonTLSListener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() && l.ctx.Err() == nil {
				select {
				case <-time.After(5 * time.Millisecond):
					continue
				case <-l.ctx.Done():
				}
			}
			l.failed <- err
			return
		}
		l.wg.Add(1)
		go l.sniff(c)
	}
}

// sniff reads c's first byte and hands c to TLS or to the plain server.
func (l *nonTLSListener) sniff(c net.Conn) {
	defer l.wg.Done()
	br := bufio.NewReaderSize(c, 1)
	c.SetReadDeadline(time.Now().Add(l.timeout))
	first, err := br.Peek(1)
	c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	bc := &bufferedConn{Conn: c, r: br}
	out := l.ready
	if first[0] != tlsRecordHandshake {
		out = l.plainCh
	}
	select {
	case out <- bc:
	case <-l.ctx.Done():
		c.Close()
	}
}

// bufferedConn is a net.Conn whose first bytes were peeked.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener hands out the connections sent on ch until ctx ends.
type chanListener struct {
	ch   chan net.Conn
	ctx  context.Context
	addr net.Addr
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }
