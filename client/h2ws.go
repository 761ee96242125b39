package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/golws/lws/conn"
)

// h2Key names a shared HTTP/2 connection for pipelined WebSockets and HTTP
// requests: one per vhost, scheme family (wss and https share, as ws and
// http do), host, TLS config and dialer.
type h2Key struct {
	cs     *clients
	scheme string // wss or ws
	host   string
	tk     transportKey
}

// h2Shared holds the HTTP/2 connections that pipelined WebSockets and HTTP
// requests share. Each closes when its last stream ends, and then leaves
// the map.
var h2Shared struct {
	mu    sync.Mutex
	conns map[h2Key]*conn.H2Conn
}

// secure reports whether h's URL goes over TLS (wss or https).
func (h *Client) secure() bool { return h.url.Scheme == "wss" || h.url.Scheme == "https" }

// dialH2 opens an HTTP/2 connection for h's URL and waits for the server's
// SETTINGS: TLS offering only "h2" for wss and https, h2c with prior
// knowledge for ws and http.
func (h *Client) dialH2(ctx context.Context) (*conn.H2Conn, error) {
	o := &h.opts
	d := newDialer(o.Dialer, o.TLSConfig, []string{"h2"}, true, h.cs.closing)
	addr := h.url.Host
	if h.url.Port() == "" {
		port := "80"
		if h.secure() {
			port = "443"
		}
		addr = net.JoinHostPort(h.url.Hostname(), port)
	}
	var nc net.Conn
	var err error
	if h.secure() {
		nc, err = d.dialTLS(ctx, "tcp", addr)
	} else {
		nc, err = d.dial(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if err := hc.Ready(ctx); err != nil {
		hc.Close()
		return nil, err
	}
	return hc, nil
}

// sharedH2 returns the vhost's HTTP/2 connection to h's host, dialling it
// if there is none (one dial at a time, so that concurrent WebSockets and
// requests share it); fresh reports a new one.
func (h *Client) sharedH2(ctx context.Context) (hc *conn.H2Conn, fresh bool, err error) {
	o := &h.opts
	scheme := "ws"
	if h.secure() {
		scheme = "wss"
	}
	k := h2Key{h.cs, scheme, h.url.Host, transportKey{o.TLSConfig, o.Dialer}}
	h2Shared.mu.Lock()
	defer h2Shared.mu.Unlock()
	if hc := h2Shared.conns[k]; hc != nil && hc.Err() == nil {
		return hc, false, nil
	}
	hc, err = h.dialH2(ctx)
	if err != nil {
		return nil, false, err
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
	return hc, true, nil
}

// onH2 runs f on an HTTP/2 connection for h: with Pipeline the vhost's
// shared one to the host, else one of its own; either is asked to close
// when its last stream ends. A shared connection may close as its last
// stream ends just when f starts a stream on it; f, which then fails with
// net.ErrClosed having sent nothing, runs again on a new connection.
func (h *Client) onH2(ctx context.Context, f func(hc *conn.H2Conn) error) error {
	for {
		var hc *conn.H2Conn
		fresh := true
		var err error
		if h.opts.Pipeline {
			hc, fresh, err = h.sharedH2(ctx)
		} else {
			hc, err = h.dialH2(ctx)
		}
		if err != nil {
			return err
		}
		err = f(hc)
		hc.CloseWhenIdle() // the connection lasts as long as its streams
		if err != nil && !fresh && errors.Is(err, net.ErrClosed) && errors.Is(hc.Err(), net.ErrClosed) && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// dialWebSocketH2 runs the attempt of a WebSocket over HTTP/2 (RFC 8441).
// With Pipeline the stream goes on the vhost's HTTP/2 connection to the
// host, shared by its pipelined WebSockets; without, on a connection of its
// own. Either closes when its last stream ends. A wss server that offers no
// WebSockets over HTTP/2 gets the HTTP/1.1 upgrade instead.
func (h *Client) dialWebSocketH2() (*conn.Conn, error) {
	o := &h.opts
	ctx, cancel := context.WithTimeoutCause(h.ctx, o.Timeout, errConnectTimeout)
	defer cancel()
	var (
		t      *conn.WebSocket
		resp   *http.Response
		remote string
	)
	err := h.onH2(ctx, func(hc *conn.H2Conn) error {
		var err error
		remote = hc.RemoteAddr().String()
		t, resp, err = conn.DialWebSocketH2(ctx, o.URL, hc, h.wsDialOptions())
		return err
	})
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
	return h.established(&wsClient{t, h}, resp, remote, resp.Header.Get("Sec-WebSocket-Protocol"))
}

// noH2WebSockets reports whether err says that the server does not offer
// WebSockets over HTTP/2: no h2 by ALPN, or no extended CONNECT.
func noH2WebSockets(err error) bool {
	return errors.Is(err, conn.ErrNoExtendedConnect) || strings.Contains(err.Error(), "no application protocol")
}

// noH2 reports whether err says that the server does not speak HTTP/2: no
// h2 by ALPN, or no answer to h2c with prior knowledge.
func noH2(err error) bool {
	return errors.Is(err, conn.ErrNoHTTP2) || noH2WebSockets(err)
}
