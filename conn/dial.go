package conn

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"sync"

	"github.com/coder/websocket"
)

// DialWebSocket opens a client WebSocket to url: coder/websocket makes the
// handshake (with opts, whose HTTPClient may be set; its transport's
// connections must be net.Conns), then the transport takes the connection
// over. ctx bounds the dial and handshake only. The response is returned
// also when the handshake fails, if there was one.
func DialWebSocket(ctx context.Context, url string, opts *websocket.DialOptions) (*WebSocket, *http.Response, error) {
	var o websocket.DialOptions
	if opts != nil {
		o = *opts
	}
	base := http.DefaultTransport
	client := &http.Client{}
	if o.HTTPClient != nil {
		*client = *o.HTTPClient
		if client.Transport != nil {
			base = client.Transport
		}
	}
	ct := &captureTransport{base: base}
	client.Transport = ct
	o.HTTPClient = client

	ws, resp, err := websocket.Dial(ctx, url, &o)
	if err != nil {
		return nil, resp, err
	}
	runtime.SetFinalizer(ws, nil) // the connection is the transport's now
	ct.mu.Lock()
	body, nc := ct.body, ct.nc
	ct.mu.Unlock()
	if body == nil || nc == nil {
		ws.CloseNow()
		return nil, resp, errors.New("conn: the handshake's connection could not be taken over")
	}
	return newWebSocket(nc, body, nil, true, negotiatedDeflate(resp.Header, o.CompressionThreshold)), resp, nil
}

// captureTransport remembers the connection a 101 response switched.
type captureTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	body io.ReadWriteCloser
	nc   net.Conn
}

func (c *captureTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var (
		mu  sync.Mutex
		got net.Conn
	)
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		mu.Lock()
		got = info.Conn
		mu.Unlock()
	}}
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), trace))
	resp, err := c.base.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		return resp, err
	}
	if body, ok := resp.Body.(io.ReadWriteCloser); ok {
		c.mu.Lock()
		mu.Lock()
		c.body, c.nc = body, got
		mu.Unlock()
		c.mu.Unlock()
	}
	return resp, nil
}
