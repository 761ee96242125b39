package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// h2Key names a shared HTTP/2 connection for pipelined WebSockets: one per
// vhost, scheme, host, TLS config and dialer.
type h2Key struct {
	cs     *clients
	scheme string
	host   string
	tk     transportKey
}

// h2Shared holds the HTTP/2 connections pipelined WebSockets share. Each
// closes when its last stream ends, and then leaves the map.
var h2Shared struct {
	mu    sync.Mutex
	conns map[h2Key]*conn.H2Conn
}

// dialH2 opens an HTTP/2 connection for h's URL: TLS offering only "h2"
// for wss, h2c with prior knowledge for ws.
func (h *Client) dialH2(ctx context.Context) (*conn.H2Conn, string, error) {
	o := &h.opts
	d := newDialer(o.Dialer, o.TLSConfig, []string{"h2"}, true, h.cs.closing)
	addr := h.url.Host
	if h.url.Port() == "" {
		port := "80"
		if h.url.Scheme == "wss" {
			port = "443"
		}
		addr = net.JoinHostPort(h.url.Hostname(), port)
	}
	var nc net.Conn
	var err error
	if h.url.Scheme == "wss" {
		nc, err = d.dialTLS(ctx, "tcp", addr)
	} else {
		nc, err = d.dial(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, "", err
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		nc.Close()
		return nil, "", err
	}
	return hc, nc.RemoteAddr().String(), nil
}

// sharedH2 returns the vhost's HTTP/2 connection to h's host, dialling it
// if there is none (one dial at a time, so that concurrent WebSockets
// share it).
func (h *Client) sharedH2(ctx context.Context) (*conn.H2Conn, string, error) {
	o := &h.opts
	k := h2Key{h.cs, h.url.Scheme, h.url.Host, transportKey{o.TLSConfig, o.Dialer}}
	h2Shared.mu.Lock()
	defer h2Shared.mu.Unlock()
	if hc := h2Shared.conns[k]; hc != nil && hc.Err() == nil {
		return hc, "", nil
	}
	hc, remote, err := h.dialH2(ctx)
	if err != nil {
		return nil, "", err
	}
	if h2Shared.conns == nil {
		h2Shared.conns = map[h2Key]*conn.H2Conn{}
	}
	h2Shared.conns[k] = hc
	go func() {
		<-hc.Done()
		h2Shared.mu.Lock()
		if h2Shared.conns[k] == hc {
			delete(h2Shared.conns, k)
		}
		h2Shared.mu.Unlock()
	}()
	return hc, remote, nil
}

// dialWebSocketH2 runs the attempt of a WebSocket over HTTP/2 (RFC 8441).
// With Pipeline the stream goes on the vhost's HTTP/2 connection to the
// host, shared by its pipelined WebSockets; without, on a connection of its
// own. Either closes when its last stream ends. A wss server that offers no
// WebSockets over HTTP/2 gets the HTTP/1.1 upgrade instead.
func (h *Client) dialWebSocketH2() (*conn.Conn, error) {
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
	ctx, cancel := context.WithTimeoutCause(h.ctx, o.Timeout, errConnectTimeout)
	defer cancel()
	var (
		hc     *conn.H2Conn
		remote string
		err    error
	)
	if o.Pipeline {
		hc, remote, err = h.sharedH2(ctx)
	} else {
		hc, remote, err = h.dialH2(ctx)
	}
	if err != nil {
		if h.url.Scheme == "wss" && noH2WebSockets(err) && ctx.Err() == nil {
			return h.dialWebSocket1()
		}
		return nil, classify(o.URL, ctx, err, 0)
	}
	if remote == "" {
		remote = h.url.Host
	}
	t, resp, err := conn.DialWebSocketH2(ctx, o.URL, hc, &websocket.DialOptions{
		HTTPHeader:           header,
		Subprotocols:         subprotocols,
		CompressionMode:      comp.WebSocketMode(),
		CompressionThreshold: comp.Threshold,
	})
	hc.CloseWhenIdle() // the connection lasts as long as its streams
	if err != nil {
		if h.url.Scheme == "wss" && noH2WebSockets(err) && ctx.Err() == nil {
			return h.dialWebSocket1()
		}
		status := 0
		if resp != nil && (resp.StatusCode < 200 || resp.StatusCode > 299) {
			status = resp.StatusCode
		}
		return nil, classify(o.URL, ctx, err, status)
	}
	h.mu.Lock()
	h.resp, h.remote = resp, remote
	h.mu.Unlock()
	info := &conn.Info{
		Header:      resp.Header,
		URL:         h.url,
		Host:        h.url.Host,
		RemoteAddr:  remote,
		Subprotocol: resp.Header.Get("Sec-WebSocket-Protocol"),
	}
	return h.start(&wsClient{t, h}, info, resp)
}

// noH2WebSockets reports whether err says that the server does not offer
// WebSockets over HTTP/2: no h2 by ALPN, or no extended CONNECT.
func noH2WebSockets(err error) bool {
	return errors.Is(err, conn.ErrNoExtendedConnect) || strings.Contains(err.Error(), "no application protocol")
}
