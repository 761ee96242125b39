package conn

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"runtime"
	"sync"

	"github.com/coder/websocket"
)

// ErrNoExtendedConnect is returned by DialWebSocketH2 when the server does
// not offer WebSockets over HTTP/2: it did not announce
// SETTINGS_ENABLE_CONNECT_PROTOCOL, or the connection is not HTTP/2.
var ErrNoExtendedConnect = errors.New("conn: the server does not offer WebSockets over HTTP/2 (RFC 8441)")

// DialWebSocketH2 opens a client WebSocket to url (ws or wss) on a new
// stream of hc (RFC 8441), which may carry other WebSockets. coder/websocket
// negotiates the subprotocol and permessage-deflate with opts (whose
// HTTPClient is ignored), as for DialWebSocket. ctx bounds the handshake
// only. The server's response (200) is returned also when the handshake
// fails, if there was one.
func DialWebSocketH2(ctx context.Context, url string, hc *H2Conn, opts *websocket.DialOptions) (*WebSocket, *http.Response, error) {
	var o websocket.DialOptions
	if opts != nil {
		o = *opts
	}
	ct := &connectTransport{hc: hc}
	o.HTTPClient = &http.Client{Transport: ct}
	ws, _, err := websocket.Dial(ctx, url, &o)
	ct.mu.Lock()
	s, resp, cerr := ct.stream, ct.resp, ct.err
	ct.mu.Unlock()
	if err != nil {
		if s != nil {
			_ = s.Close()
		}
		if cerr != nil {
			err = cerr
		}
		return nil, resp, err
	}
	runtime.SetFinalizer(ws, nil) // the stream is the transport's now
	return newWebSocket(s, s, nil, true, negotiatedDeflate(resp.Header, o.CompressionThreshold)), resp, nil
}

// connectTransport turns coder/websocket's HTTP/1.1 upgrade request into an
// extended CONNECT on an H2Conn, and the 200 that answers it into the 101
// that coder/websocket checks, with the stream as the body it takes over.
type connectTransport struct {
	hc *H2Conn

	mu     sync.Mutex
	stream *h2Stream
	resp   *http.Response // the server's own response
	err    error          // a failure coder/websocket would hide
}

func (c *connectTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.Header.Get("Sec-WebSocket-Key")
	h := req.Header.Clone()
	h.Del("Sec-WebSocket-Key")
	scheme := req.URL.Scheme
	path := req.URL.RequestURI()
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	resp, err := c.hc.connect(req.Context(), "websocket", scheme, authority, path, h)
	c.mu.Lock()
	c.resp, c.err = resp, err
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st := resp.Body.(*h2ClientStream)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_ = st.Close()
		return resp, nil // coder/websocket reports the status
	}
	s := &h2Stream{
		rd:     st,
		wr:     st,
		reset:  func() {},
		local:  streamAddr(c.hc.nc.LocalAddr().String()),
		remote: streamAddr(c.hc.nc.RemoteAddr().String()),
		idle:   make(chan struct{}),
	}
	c.mu.Lock()
	c.stream = s
	c.mu.Unlock()
	up := &http.Response{
		Status:     "101 Switching Protocols",
		StatusCode: http.StatusSwitchingProtocols,
		Proto:      resp.Proto,
		ProtoMajor: resp.ProtoMajor,
		Header:     resp.Header.Clone(),
		Body:       s,
		Request:    req,
	}
	up.Header.Set("Connection", "Upgrade")
	up.Header.Set("Upgrade", "websocket")
	up.Header.Set("Sec-WebSocket-Accept", acceptKey(key))
	return up, nil
}

// acceptKey is the Sec-WebSocket-Accept that answers key (RFC 6455 4.2.2).
func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
