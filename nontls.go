package lws

import (
	"net"
	"net/http"
	"sync"

	"github.com/golws/lws/listen"
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

// nonTLSListener is a TLS listener's socket for a vhost that takes plain
// HTTP on it too: connections that start with a TLS record come out of
// Accept, the others are served plain HTTP by plain (redirected or
// served, per mode); see listen.SplitTLS.
type nonTLSListener struct {
	net.Listener // the TLS side
	plainLn      net.Listener
	plain        *http.Server

	mu      sync.Mutex
	started bool
	wg      sync.WaitGroup
}

// splitNonTLS serves l's plain connections (per l's NonTLS mode) and
// returns the listener of its TLS ones. The plain server has the listener's
// request limit and keep-alive timeout, as the TLS side's has.
func (c *Server) splitNonTLS(l *listener, ln net.Listener) net.Listener {
	tlsConns, plainLn := listen.SplitTLS(ln, c.opts.ReadHeaderTimeout)
	var h http.Handler = http.HandlerFunc(redirectToHTTPS)
	if l.nonTLS == NonTLSServe {
		h = l.hosts
	}
	return &nonTLSListener{Listener: tlsConns, plainLn: plainLn, plain: l.httpServer(c, c.limits.Requests(h))}
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

// Accept returns the next connection that starts with a TLS record; the
// first call starts the plain server.
func (l *nonTLSListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if !l.started {
		l.started = true
		l.wg.Go(func() { l.plain.Serve(l.plainLn) })
	}
	l.mu.Unlock()
	return l.Listener.Accept()
}

// Close stops accepting, closes the plain connections and waits for the
// plain server.
func (l *nonTLSListener) Close() error {
	err := l.Listener.Close()
	l.plain.Close()
	l.wg.Wait()
	return err
}
