package conn

import (
	"net/http"
	"net/url"
)

// Info is what is known about a connection from its start: for WebSocket and
// HTTP connections the request that opened it. Unlike lws, golws keeps it for
// the connection's whole life. Treat it as read-only.
type Info struct {
	// Header holds the request headers (nil for raw connections).
	Header http.Header
	// URL is the request URL (nil for raw connections).
	URL *url.URL
	// Host is the request's Host header.
	Host string
	// RemoteAddr is the peer's address, "ip:port" where known.
	RemoteAddr string
	// Subprotocol is the negotiated WebSocket subprotocol, or the protocol
	// name a raw connection was bound to.
	Subprotocol string
}

// InfoFromRequest copies what a connection keeps from r. For the upgrade
// request of a WebSocket over HTTP/2 (NewH2Upgrade) whose headers are as
// NewH2Upgrade made them, Header is not a copy but the extended CONNECT's
// own headers, which net/http keeps while the stream lives: without the
// HTTP/1.1 upgrade headers NewH2Upgrade adds (Connection, Upgrade and a
// placeholder Sec-WebSocket-Key), with ":protocol".
func InfoFromRequest(r *http.Request, subprotocol string) *Info {
	h := originalHeader(r)
	if h == nil {
		h = r.Header.Clone()
	}
	return &Info{
		Header:      h,
		URL:         r.URL,
		Host:        r.Host,
		RemoteAddr:  r.RemoteAddr,
		Subprotocol: subprotocol,
	}
}
