package client

import (
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// wsClient is the transport of a client WebSocket: the engine's WebSocket
// transport, knowing the attempt it came from (for Of).
type wsClient struct {
	*conn.WebSocket
	h *Client
}

// dialWebSocket runs the attempt of a ws:// or wss:// URL: over an HTTP/2
// stream with Options.HTTP2 (h2ws.go), else as an HTTP/1.1
// upgrade.
func (h *Client) dialWebSocket() (*conn.Conn, error) {
	if h.opts.HTTP2 {
		return h.dialWebSocketH2()
	}
	return h.dialWebSocket1()
}

// dialWebSocket1 runs the HTTP/1.1 upgrade of a ws:// or wss:// URL. The
// timeout bounds the dial and handshake only: an expiring context would
// close an established coder/websocket connection, so none outlives Dial.
func (h *Client) dialWebSocket1() (*conn.Conn, error) {
	o := &h.opts
	d := newDialer(o.Dialer, o.TLSConfig, []string{"http/1.1"}, true, h.cs.closing)
	var remote string // written by the dial, read after Dial returned
	record := func(c net.Conn, err error) (net.Conn, error) {
		if err == nil {
			remote = c.RemoteAddr().String()
		}
		return c, err
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return record(d.dial(ctx, network, addr))
		},
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return record(d.dialTLS(ctx, network, addr))
		},
	}
	defer tr.CloseIdleConnections() // a refused handshake may leave one

	ctx, cancel := context.WithTimeoutCause(h.ctx, o.Timeout, errConnectTimeout)
	defer cancel()
	do := h.wsDialOptions()
	do.HTTPClient = &http.Client{Transport: tr}
	t, resp, err := conn.DialWebSocket(ctx, o.URL, do)
	if err != nil {
		status := 0
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			status = resp.StatusCode
		}
		return nil, classify(o.URL, ctx, err, status)
	}
	return h.established(&wsClient{t, h}, resp, remote, resp.Header.Get("Sec-WebSocket-Protocol"))
}

// wsDialOptions are the handshake's options: headers with the Origin, the
// subprotocols offered (the protocol's name unless given) and compression
// (the protocol's unless given).
func (h *Client) wsDialOptions() *websocket.DialOptions {
	o := &h.opts
	header := o.Header
	if header == nil {
		header = http.Header{}
	}
	if o.Origin != "" {
		header.Set("Origin", o.Origin)
	}
	subprotocols := o.Subprotocols
	if subprotocols == nil {
		subprotocols = []string{h.vp.Protocol.Name}
	}
	comp := o.Compression
	if comp == (mux.Compression{}) {
		comp = h.vp.Protocol.Compression
	}
	return &websocket.DialOptions{
		HTTPHeader:           header,
		Subprotocols:         subprotocols,
		CompressionMode:      comp.WebSocketMode(),
		CompressionThreshold: comp.Threshold,
	}
}
