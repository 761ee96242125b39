package mux

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/golws/lws/conn"
)

// Callback is a callback mount (lws's LWSMPRO_CALLBACK): it binds a part of
// the URL space to a named protocol of the vhost. Each request under the
// mount becomes a connection of that protocol in the same engine as its
// WebSockets: the protocol's NewSession makes its session when the request
// enters the mount (lws's HTTP_BIND_PROTOCOL; Established follows if the
// session has it), the request body arrives through Receive under rx flow
// control, the response is written from Writeable callbacks — the status and
// headers with conn.Conn.WriteHeader, the body with conn.Conn.Write, one
// piece per callback — and the response ends when the connection is closed
// (c.Close(conn.StatusNormal, "") after the last piece), when Closed runs
// (lws's HTTP_DROP_PROTOCOL).
//
// The body is one message: chunks of at most the protocol's rx buffer size,
// the first marked First, the last Final; a request without a body gives
// one empty chunk with both. While the session has rx off the body is not
// read, so the client's upload stalls in TCP (HTTP/1) or in the stream's
// flow-control window (HTTP/2). Each body write is flushed and returns once
// the client's connection took it, so over HTTP/2 the next Writeable comes
// only when the stream's send window had room.
//
// A session that ends with an error before any header was written answers
// 500 (503 for StatusGoingAway, as at shutdown); after the header, the
// response is cut off (the HTTP/1 connection is closed, the HTTP/2 stream
// reset) so the client sees it incomplete.
//
// lws.NewVhost sets Adopt from Protocol; a Callback used without lws needs
// Adopt set. A Callback is safe for concurrent use; its fields must not
// change while it serves.
type Callback struct {
	// Protocol names the protocol the mount is bound to (the mount's origin
	// in lws).
	Protocol string
	// Adopt starts the request's connection with a session of the protocol:
	// lws.NewVhost sets it to that protocol's VhostProtocol.Adopt.
	Adopt func(t conn.Transport, info *conn.Info) (*conn.Conn, error)
	// Logger receives errors. Nil means slog.Default().
	Logger *slog.Logger
}

// ServeHTTP runs r as a connection of the mount's protocol and returns
// once the connection has ended.
func (h *Callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.Adopt == nil {
		h.logger().Error("callback mount is not bound to a protocol", "protocol", h.Protocol, "path", logValue(r.URL.Path))
		http.Error(w, "callback mount not bound", http.StatusInternalServerError)
		return
	}
	t := newHTTPTransport(w, r)
	c, err := h.Adopt(t, conn.InfoFromRequest(r, h.Protocol))
	if err != nil {
		h.logger().Info("callback mount refused a request", "protocol", h.Protocol, "peer", r.RemoteAddr, "err", err)
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	// The ResponseWriter is valid only while ServeHTTP runs: stay until the
	// connection has ended.
	select {
	case <-c.Done():
	case <-r.Context().Done():
		c.Close(conn.StatusGoingAway, "client went away")
		<-c.Done()
	}
	if t.finish() {
		// The response was cut off: net/http's way to say so (HTTP/1
		// connection closed, HTTP/2 stream reset); it logs nothing.
		panic(http.ErrAbortHandler)
	}
}

func (h *Callback) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// HTTPRequest returns the request of a connection made by a callback mount,
// or nil for other connections. It stays valid for the connection's life;
// read its method, URL, headers, TLS state and ContentLength, but not its
// Body, which arrives through Receive.
func HTTPRequest(c *conn.Conn) *http.Request {
	if t, ok := c.Transport().(*httpTransport); ok {
		return t.r
	}
	return nil
}

// ErrHeaderSent is returned by a second WriteHeader on a callback mount's
// connection.
var ErrHeaderSent = errors.New("mux: response header already sent")
