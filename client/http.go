package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golws/lws/conn"
)

// ResponseHandler is implemented by sessions that want the response of a
// client connection before anything else (lws's
// ESTABLISHED_CLIENT_HTTP): the status and headers of an HTTP response, or
// the handshake answer of a WebSocket. Response runs before Established; an
// error closes the connection at once (no other callback but Closed runs).
// resp.Body belongs to the connection: an HTTP body arrives through Receive,
// in chunks no larger than the rx buffer size, the last one marked Final.
type ResponseHandler interface {
	Response(c *conn.Conn, resp *http.Response) error
}

// transportKey names the HTTP transports of a vhost: requests with the same
// TLS config and dialer share connections.
type transportKey struct {
	tls    *tls.Config
	dialer *net.Dialer
}

// transport returns the shared HTTP transport for k. It speaks HTTP/1.1 with
// keep-alive, and HTTP/2 over TLS where the server offers it (ALPN).
func (cs *clients) transport(k transportKey) *http.Transport {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if t := cs.transports[k]; t != nil {
		return t
	}
	d := newDialer(k.dialer, k.tls, []string{"h2", "http/1.1"}, false, cs.closing)
	t := &http.Transport{
		DialContext:         d.dial,
		DialTLSContext:      d.dialTLS,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     90 * time.Second,
	}
	cs.transports[k] = t
	return t
}

// newRequest makes the request of an http:// or https:// attempt; it fails
// on options net/http refuses (such as an invalid method).
func (h *Client) newRequest() (*http.Request, error) {
	o := &h.opts
	method := o.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(h.ctx, method, o.URL, o.Body)
	if err != nil {
		return nil, err
	}
	if o.Header != nil {
		req.Header = o.Header
	}
	if o.Origin != "" {
		req.Header.Set("Origin", o.Origin)
	}
	return req, nil
}

// request runs the attempt of an http:// or https:// URL: it waits for its
// turn if pipelined, sends the request and, once the response headers are
// in, starts the connection whose input is the response body. With HTTP2
// and Pipeline the request goes as a stream of the vhost's HTTP/2
// connection to the host that its pipelined WebSockets share (see
// requestH2), unless the server does not speak HTTP/2 or was recently
// found not to (clients.h2lack).
func (h *Client) request() (*conn.Conn, error) {
	o := &h.opts
	t := &httpClient{h: h}
	ctx, cancel := context.WithCancelCause(h.ctx)
	t.cancel = cancel
	var (
		resp   *http.Response
		remote string
		err    error
		sent   bool
	)
	if o.HTTP2 && o.Pipeline && !h.lacksH2(false) {
		timer := time.AfterFunc(o.Timeout, func() { cancel(errConnectTimeout) })
		resp, remote, err = h.requestH2(ctx)
		sent = err == nil || !noH2(err) || ctx.Err() != nil
		if !timer.Stop() && err == nil {
			resp.Body.Close() // the response came, but too late
			err = context.Cause(ctx)
		}
		if err != nil && sent && h.req.Body != nil {
			h.req.Body.Close() // as a RoundTripper would
		}
	}
	if !sent {
		resp, remote, err = h.request1(ctx, t)
	}
	if err != nil {
		ce := classify(o.URL, ctx, err, 0)
		t.Abort()
		return nil, ce
	}
	t.body = resp.Body
	return h.established(t, resp, remote, "")
}

// request1 sends the request through the vhost's net/http transport, after
// waiting for its turn if pipelined; t keeps the turn until the body has
// been read if the host is known to take one request at a time.
func (h *Client) request1(ctx context.Context, t *httpClient) (*http.Response, string, error) {
	o := &h.opts
	tk := transportKey{o.TLSConfig, o.Dialer}
	tr := h.cs.transport(tk)
	if o.Pipeline {
		t.pipe = h.cs.pipeline(pipeKey{h.url.Scheme, h.url.Host, tk})
		held, err := t.pipe.acquire(ctx)
		if err != nil {
			return nil, "", err
		}
		t.held = held
	}
	timer := time.AfterFunc(o.Timeout, func() { t.cancel(errConnectTimeout) })
	var remote string
	trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
		remote = ci.Conn.RemoteAddr().String()
	}}
	resp, err := tr.RoundTrip(h.req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if !timer.Stop() && err == nil {
		resp.Body.Close() // the response came, but too late
		err = context.Cause(ctx)
	}
	if err != nil {
		return nil, "", err
	}
	if t.pipe != nil && !t.pipe.learn(resp) {
		t.releaseTurn()
	}
	return resp, remote, nil
}

// requestH2 sends the request as a stream of the vhost's shared HTTP/2
// connection to the host (the WebSockets' too: see sharedH2). The request
// body is lent, not given: if the connection fails before the request
// goes (no HTTP/2: the caller falls back to request1), the body is left
// unread and open for the next try; the caller closes it on a failure.
func (h *Client) requestH2(ctx context.Context) (*http.Response, string, error) {
	var resp *http.Response
	var remote string
	req := h.req.WithContext(ctx)
	var lent *lentBody
	if req.Body != nil && req.Body != http.NoBody {
		lent = &lentBody{rc: h.req.Body}
	}
	err := h.onH2(ctx, func(hc *conn.H2Conn) error {
		if lent != nil {
			req.Body = lent
		}
		remote = hc.RemoteAddr().String()
		var err error
		resp, err = hc.RoundTrip(req)
		return err
	})
	return resp, remote, err
}

// lentBody lends a request body to an HTTP/2 attempt: Close closes it only
// once it has been read from.
type lentBody struct {
	rc   io.ReadCloser
	read atomic.Bool
}

func (b *lentBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.rc.Read(p)
}

func (b *lentBody) Close() error {
	if b.read.Load() {
		return b.rc.Close()
	}
	return nil
}

// httpClient is the Transport of an HTTP client connection: ReadChunk reads
// the response body, only when the engine asks (rx on), so a paused session
// stops the reading and the server's sends stall (TCP for HTTP/1.1, the
// stream's flow-control window for HTTP/2). Writes are not supported: the
// request has been sent.
type httpClient struct {
	h      *Client
	body   io.ReadCloser
	cancel context.CancelCauseFunc

	// Owned by the reader goroutine.
	started bool
	eof     bool

	pipe      *pipeline
	held      bool // pipe's token is held until the body has been read
	turnOnce  sync.Once
	closeOnce sync.Once
}

var _ conn.Transport = (*httpClient)(nil)

// ReadChunk returns what one read of the body gives, up to the buffer's
// size; the chunk that meets the end of the body is marked Final (an empty
// body gives one empty Final chunk). After it, ReadChunk returns io.EOF.
func (t *httpClient) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	if t.eof {
		return conn.Chunk{}, io.EOF
	}
	b := buf()
	var n int
	var err error
	for n == 0 && err == nil {
		n, err = t.body.Read(b)
	}
	in := conn.Chunk{Type: conn.Binary, Data: b[:n], First: !t.started}
	t.started = true
	switch {
	case errors.Is(err, io.EOF):
		// net/http has put a keep-alive connection back in its pool before
		// the body reports EOF, so the next queued request can reuse it.
		t.eof, in.Final = true, true
		t.closeBody()
		t.releaseTurn()
	case err != nil:
		return conn.Chunk{}, fmt.Errorf("client: reading response body: %w", err)
	}
	return in, nil
}

// Write fails: an HTTP client connection has nothing more to send.
func (t *httpClient) Write(conn.MessageType, []byte, bool) error { return conn.ErrNotSupported }

// Close ends the connection: a body not yet read to its end is dropped,
// which closes an HTTP/1.1 connection or resets an HTTP/2 stream.
func (t *httpClient) Close(conn.StatusCode, string) error {
	t.closeBody()
	t.releaseTurn()
	return nil
}

// Abort cuts the request off at once.
func (t *httpClient) Abort() {
	t.cancel(conn.ErrClosed)
	t.closeBody()
	t.releaseTurn()
}

func (t *httpClient) closeBody() {
	t.closeOnce.Do(func() {
		if t.body != nil {
			t.body.Close()
		}
	})
}

// releaseTurn lets the next pipelined request to the host go.
func (t *httpClient) releaseTurn() {
	t.turnOnce.Do(func() {
		if t.held {
			t.pipe.release()
		}
	})
}
