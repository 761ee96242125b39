package lws

import (
	"bufio"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"

	"github.com/golws/lws/mux"
)

// h2Handler stacks the HTTP/2 parts of a listener on h: WebSockets over
// HTTP/2 streams (mux.H2WebSockets), 421 Misdirected Request on a TLS
// listener for requests whose Host belongs to another vhost than the
// connection's, and the HTTP/1.1 "Upgrade: h2c" on an h2c listener.
func (l *listener) h2Handler(srv *http.Server, h http.Handler) http.Handler {
	h = mux.H2WebSockets(h)
	if l.tls != nil {
		return &misdirected{t: l.tls, next: h}
	}
	if l.opts != nil && l.opts.H2C {
		u := &h2cUpgrader{srv: srv, next: h, conns: map[*upgraded]struct{}{}}
		srv.RegisterOnShutdown(u.shutdown)
		return u
	}
	return h
}

// misdirected answers 421 Misdirected Request (RFC 9110 15.5.20) to an
// HTTP/2 request whose Host selects another vhost's TLS than the name the
// connection was opened for (its SNI). A browser reuses an HTTP/2
// connection for every name its certificate covers, so without this a
// request for one vhost could be served on another's connection; the 421
// makes it open a connection of its own. Connections without SNI (by
// address) and HTTP/1.1 requests are not checked.
type misdirected struct {
	t    *listenerTLS
	next http.Handler
}

func (m *misdirected) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor >= 2 && r.TLS != nil && r.TLS.ServerName != "" &&
		m.t.forName(r.TLS.ServerName) != m.t.forName(r.Host) {
		http.Error(w, "misdirected request: this connection is for "+r.TLS.ServerName, http.StatusMisdirectedRequest)
		return
	}
	m.next.ServeHTTP(w, r)
}

// h2cUpgrader takes the HTTP/1.1 "Upgrade: h2c" (RFC 7540 3.2) on an h2c
// listener: the request that asks for it is answered 101, then as stream 1
// of the HTTP/2 connection the socket becomes. A request with a body is
// served in HTTP/1.1 without upgrading (as RFC 7540 allows), as is every
// request once shutdown has begun. net/http does not track an upgraded
// socket, so the upgrader closes each one at shutdown as soon as it has no
// stream left.
type h2cUpgrader struct {
	srv  *http.Server
	next http.Handler
	h2   http2.Server

	mu    sync.Mutex
	conns map[*upgraded]struct{}
	shut  bool
}

// upgraded is a socket upgraded to h2c and the streams it serves.
type upgraded struct {
	net.Conn
	br     *bufio.Reader
	active int // guarded by the upgrader's mu
}

func (c *upgraded) Read(p []byte) (int, error) { return c.br.Read(p) }

func (u *h2cUpgrader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 1 || !httpguts.HeaderValuesContainsToken(r.Header["Upgrade"], "h2c") ||
		!httpguts.HeaderValuesContainsToken(r.Header["Connection"], "HTTP2-Settings") ||
		len(r.Header["Http2-Settings"]) != 1 || r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		u.next.ServeHTTP(w, r)
		return
	}
	settings, err := base64.RawURLEncoding.DecodeString(r.Header.Get("HTTP2-Settings"))
	if err != nil {
		u.next.ServeHTTP(w, r)
		return
	}
	u.mu.Lock()
	shut := u.shut
	u.mu.Unlock()
	if shut {
		u.next.ServeHTTP(w, r)
		return
	}
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		u.next.ServeHTTP(w, r)
		return
	}
	if _, err := brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"); err != nil || brw.Flush() != nil {
		nc.Close()
		return
	}
	c := &upgraded{Conn: nc, br: brw.Reader}
	u.mu.Lock()
	u.conns[c] = struct{}{}
	u.mu.Unlock()
	defer func() {
		u.mu.Lock()
		delete(u.conns, c)
		u.mu.Unlock()
		c.Close()
	}()
	// Stream 1 is the request that asked: served without the upgrade's
	// headers, so that it is not taken for an upgrade again.
	ctx := context.WithoutCancel(r.Context())
	first := r.Clone(ctx)
	for _, k := range []string{"Upgrade", "Http2-Settings"} {
		first.Header.Del(k)
	}
	first.Header.Del("Connection")
	first.Proto, first.ProtoMajor, first.ProtoMinor = "HTTP/2.0", 2, 0 // its answer goes as stream 1
	u.h2.ServeConn(c, &http2.ServeConnOpts{
		Context:        ctx,
		BaseConfig:     u.srv,
		UpgradeRequest: first,
		Settings:       settings,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u.enter(c)
			defer u.leave(c)
			u.next.ServeHTTP(w, r)
		}),
	})
}

func (u *h2cUpgrader) enter(c *upgraded) {
	u.mu.Lock()
	c.active++
	u.mu.Unlock()
}

// leave ends a stream; at shutdown the last one closes the socket.
func (u *h2cUpgrader) leave(c *upgraded) {
	u.mu.Lock()
	c.active--
	idle := u.shut && c.active == 0
	u.mu.Unlock()
	if idle {
		c.Close()
	}
}

// shutdown closes the upgraded sockets with no stream, and the others as
// their last stream ends.
func (u *h2cUpgrader) shutdown() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.shut = true
	for c := range u.conns {
		if c.active == 0 {
			c.Close()
		}
	}
}
