package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/golws/lws/conn"
)

// h2Key names a shared HTTP/2 connection for pipelined WebSockets and HTTP
// requests of a vhost (its clients hold them): one per scheme family (wss
// and https share, as ws and http do), host, TLS config and dialer.
type h2Key struct {
	scheme string // wss or ws
	host   string
	tk     transportKey
}

// h2LackFor is how long a vhost's clients remember that a host lacks
// HTTP/2 (clients.h2lack): attempts meanwhile go straight to HTTP/1.1
// rather than paying a dial each to learn it again.
var h2LackFor = time.Minute

// h2Lack is what a host lacks, and until when that is believed.
type h2Lack struct {
	until time.Time
	noH2  bool // no HTTP/2 at all; else HTTP/2 without extended CONNECT
}

// h2Key is the key of h's HTTP/2 connections (shared or not) and of what
// its vhost's clients know its host lacks.
func (h *Client) h2Key() h2Key {
	scheme := "ws"
	if h.secure() {
		scheme = "wss"
	}
	return h2Key{scheme, h.url.Host, transportKey{h.opts.TLSConfig, h.opts.Dialer}}
}

// lacksH2 reports whether h's host is known, for now, not to speak HTTP/2,
// or (ws) not to offer WebSockets over it.
func (h *Client) lacksH2(ws bool) bool {
	k, cs := h.h2Key(), h.cs
	cs.mu.Lock()
	defer cs.mu.Unlock()
	l, ok := cs.h2lack[k]
	if ok && !time.Now().Before(l.until) {
		delete(cs.h2lack, k)
		return false
	}
	return ok && (l.noH2 || ws)
}

// noteLacking records that h's host has no HTTP/2 (noH2), or no WebSockets
// over it, for h2LackFor.
func (h *Client) noteLacking(noH2 bool) {
	k, cs, now := h.h2Key(), h.cs, time.Now()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.h2lack == nil {
		cs.h2lack = map[h2Key]h2Lack{}
	}
	for k, l := range cs.h2lack {
		if !now.Before(l.until) {
			delete(cs.h2lack, k)
		}
	}
	cs.h2lack[k] = h2Lack{until: now.Add(h2LackFor), noH2: noH2}
}

// noteWorking records that HTTP/2 spoke with h's host (ws: a WebSocket
// opened over it), forgetting what that contradicts.
func (h *Client) noteWorking(ws bool) {
	k, cs := h.h2Key(), h.cs
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if l, ok := cs.h2lack[k]; ok && (ws || l.noH2) {
		delete(cs.h2lack, k)
	}
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
	k, cs := h.h2Key(), h.cs
	cs.h2mu.Lock()
	defer cs.h2mu.Unlock()
	if hc := cs.h2conns[k]; hc != nil && hc.Err() == nil {
		return hc, false, nil
	}
	hc, err = h.dialH2(ctx)
	if err != nil {
		return nil, false, err
	}
	if cs.h2conns == nil {
		cs.h2conns = map[h2Key]*conn.H2Conn{}
	}
	cs.h2conns[k] = hc
	go func() {
		<-hc.Done()
		cs.h2mu.Lock()
		if cs.h2conns[k] == hc {
			delete(cs.h2conns, k)
		}
		cs.h2mu.Unlock()
	}()
	return hc, true, nil
}

// onH2 runs f on an HTTP/2 connection for h: with Pipeline the vhost's
// shared one to the host, else one of its own; either is asked to close
// when its last stream ends. A shared connection may close as its last
// stream ends just when f starts a stream on it; f, which then fails with
// net.ErrClosed having sent nothing, runs again on a new connection. A new
// connection's outcome is noted (noteLacking, noteWorking): the server speaks HTTP/2 or not.
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
			if noH2(err) && ctx.Err() == nil {
				h.noteLacking(true)
			}
			return err
		}
		if fresh {
			h.noteWorking(false)
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
// own. Either closes when its last stream ends. A server that offers no
// WebSockets over HTTP/2 (wss: no h2 by ALPN or no extended CONNECT; ws: no
// answer to h2c with prior knowledge or no extended CONNECT) gets the
// HTTP/1.1 upgrade instead, and so does, without trying HTTP/2, a host
// recently found to be such a server (clients.h2lack).
func (h *Client) dialWebSocketH2() (*conn.Conn, error) {
	if h.lacksH2(true) {
		return h.dialWebSocket1()
	}
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
		switch {
		case err == nil:
			h.noteWorking(true)
		case errors.Is(err, conn.ErrNoExtendedConnect) && ctx.Err() == nil:
			h.noteLacking(false)
		}
		return err
	})
	if err != nil {
		if noH2(err) && ctx.Err() == nil {
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
