package conn

import (
	"compress/gzip"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// ErrNoHTTP2 is returned by H2Conn.Ready (and RoundTrip) when the
// connection ended before the server's first SETTINGS frame: the server
// does not speak HTTP/2 (such as an HTTP/1.1 server given h2c with prior
// knowledge). The cause is wrapped with it.
var ErrNoHTTP2 = errors.New("conn: the server does not speak HTTP/2")

// RemoteAddr is the address of the server at the other end.
func (c *H2Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Ready waits for the server's first SETTINGS frame, the sign that it
// speaks HTTP/2. It fails with ErrNoHTTP2 if the connection ended before,
// with the connection's error if it has ended since, or with ctx's cause.
func (c *H2Conn) Ready(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.settings && c.err == nil && ctx.Err() == nil {
		c.cond.Wait()
	}
	switch {
	case !c.settings && c.err != nil && !errors.Is(c.err, net.ErrClosed):
		return fmt.Errorf("%w: %w", ErrNoHTTP2, c.err)
	case c.err != nil:
		return c.err
	case !c.settings:
		return context.Cause(ctx)
	}
	return nil
}

// RoundTrip sends req as a request on a new stream of c, which may carry
// WebSockets and other requests, and returns the response once its headers
// are in (informational 1xx responses are skipped). It makes H2Conn an
// http.RoundTripper for http and https URLs. The request body goes as DATA
// within the server's flow-control windows while the response comes; its
// trailers are not sent. The response's Body streams the server's DATA: the
// stream's receive window reopens only as the body is read, so a reader
// that stops holds the server back. Closing the Body before its end resets
// the stream. The request's context bounds the whole exchange: its end
// resets the stream (RST_STREAM CANCEL). As net/http does, a request
// without Accept-Encoding asks for gzip and gets the body decompressed.
func (c *H2Conn) RoundTrip(req *http.Request) (*http.Response, error) {
	body := req.Body
	if body == http.NoBody {
		body.Close()
		body = nil
	}
	fail := func(err error) (*http.Response, error) {
		if body != nil {
			body.Close()
		}
		return nil, err
	}
	if req.URL == nil || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return fail(errors.New("conn: HTTP/2 request: the URL must be http or https"))
	}
	ctx := req.Context()
	if err := c.Ready(ctx); err != nil {
		return fail(err)
	}
	fields, gz := requestFields(req, body != nil)
	st, err := c.open(fields, body == nil)
	if err != nil {
		return fail(err)
	}
	if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.GotConn != nil {
		tr.GotConn(httptrace.GotConnInfo{Conn: c.nc, Reused: st.id > 1})
	}
	stop := context.AfterFunc(ctx, func() { st.cancel(context.Cause(ctx)) })
	if body != nil {
		go st.sendBody(body)
	}

	c.mu.Lock()
	for st.resp == nil && st.rerr == nil && c.err == nil {
		c.cond.Wait()
	}
	resp, rerr, cerr := st.resp, st.rerr, c.err
	empty := resp != nil && st.eof && st.in.Len() == 0
	c.mu.Unlock()
	if resp == nil {
		stop()
		_ = st.Close()
		if rerr != nil {
			return nil, rerr
		}
		return nil, cerr
	}
	resp.Request = req
	resp.ContentLength = -1
	if n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		resp.ContentLength = n
	}
	if tc, ok := c.nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		resp.TLS = &cs
	}
	if empty { // END_STREAM on the headers: no body
		stop()
		_ = st.Close()
		if resp.ContentLength < 0 {
			resp.ContentLength = 0
		}
		resp.Body = http.NoBody
		return resp, nil
	}
	resp.Body = &h2Body{st: st, stop: stop}
	if gz && strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
		resp.Body = &gzipBody{body: resp.Body}
	}
	return resp, nil
}

// requestFields are the header fields of req: the pseudo-headers, then its
// headers in lower case without the connection-specific ones. gz reports
// that they ask for gzip on the caller's behalf.
func requestFields(req *http.Request, hasBody bool) (fields []hpack.HeaderField, gz bool) {
	add := func(k, v string) { fields = append(fields, hpack.HeaderField{Name: k, Value: v}) }
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	authority := req.Host
	if authority == "" {
		authority = req.URL.Host
	}
	add(":method", method)
	add(":scheme", req.URL.Scheme)
	add(":authority", authority)
	add(":path", req.URL.RequestURI())
	for k, vv := range req.Header {
		lk := strings.ToLower(k)
		switch lk {
		case "host", "connection", "proxy-connection", "keep-alive", "transfer-encoding", "upgrade", "content-length":
			continue
		case "te":
			for _, v := range vv {
				if strings.EqualFold(v, "trailers") {
					add(lk, "trailers")
				}
			}
			continue
		}
		if strings.HasPrefix(lk, ":") {
			continue
		}
		for _, v := range vv {
			add(lk, v)
		}
	}
	switch {
	case req.ContentLength > 0 && hasBody:
		add("content-length", strconv.FormatInt(req.ContentLength, 10))
	case !hasBody && (method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch):
		add("content-length", "0")
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		add("user-agent", "Go-http-client/2.0")
	}
	if req.Header.Get("Accept-Encoding") == "" && req.Header.Get("Range") == "" && method != http.MethodHead {
		add("accept-encoding", "gzip")
		gz = true
	}
	return fields, gz
}

// informational reports whether f carries an interim (1xx) response, which
// a client skips (101 is not interim, but has no place in HTTP/2).
func informational(f *http2.MetaHeadersFrame) bool {
	s := f.PseudoValue("status")
	return len(s) == 3 && s[0] == '1'
}

// open starts a stream with the header block of fields (and END_STREAM if
// end). It fails without sending anything once the connection has ended or
// takes no new streams.
func (c *H2Conn) open(fields []hpack.HeaderField, end bool) (*h2ClientStream, error) {
	c.wmu.Lock() // stream IDs go out in order
	defer c.wmu.Unlock()
	c.mu.Lock()
	err := c.err
	if err == nil {
		err = c.goaway
	}
	if err != nil {
		c.mu.Unlock()
		return nil, err
	}
	st := &h2ClientStream{c: c, id: c.nextID, send: c.initSend, ended: end}
	c.nextID += 2
	c.streams[st.id] = st
	c.mu.Unlock()
	c.hbuf.Reset()
	for _, f := range fields {
		_ = c.henc.WriteField(f)
	}
	if err := c.writeHeaders(st.id, c.hbuf.Bytes(), end); err != nil {
		c.fail(err)
		return nil, err
	}
	return st, nil
}

// sendBody sends body as the stream's DATA, the last with END_STREAM, and
// closes it. A failed read resets the stream.
func (s *h2ClientStream) sendBody(body io.ReadCloser) {
	defer body.Close()
	s.c.mu.Lock()
	size := s.c.maxFrame
	s.c.mu.Unlock()
	buf := make([]byte, min(size, 32<<10))
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := s.Write(buf[:n]); werr != nil {
				return
			}
		}
		switch {
		case errors.Is(err, io.EOF):
			s.endStream()
			return
		case err != nil:
			s.cancel(fmt.Errorf("conn: HTTP/2 request body: %w", err))
			return
		}
	}
}

// endStream ends the client's side with an empty DATA frame.
func (s *h2ClientStream) endStream() {
	c := s.c
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if s.ended || s.closed || s.rerr != nil || c.err != nil {
		c.mu.Unlock()
		return
	}
	s.ended = true
	c.mu.Unlock()
	if err := c.fr.WriteData(s.id, true, nil); err != nil {
		c.fail(err)
	}
}

// cancel abandons the stream with err: it is reset (RST_STREAM CANCEL)
// unless already over, what it holds unread is dropped, and its reader and
// writer get err.
func (s *h2ClientStream) cancel(err error) {
	c := s.c
	c.mu.Lock()
	if s.closed || s.rerr != nil {
		c.mu.Unlock()
		return
	}
	s.rerr = err
	_, open := c.streams[s.id]
	delete(c.streams, s.id)
	rst := open && c.err == nil && !(s.eof && s.ended)
	s.release()
	s.eof = false // what was buffered is gone: the reader gets err
	c.cond.Broadcast()
	c.mu.Unlock()
	c.finishStream(s.id, false, rst)
}

// h2Body is the Body of a response from RoundTrip.
type h2Body struct {
	st   *h2ClientStream
	stop func() bool // ends the watch on the request's context
	once sync.Once
}

func (b *h2Body) Read(p []byte) (int, error) { return b.st.Read(p) }

func (b *h2Body) Close() error {
	b.once.Do(func() {
		b.stop()
		_ = b.st.Close()
	})
	return nil
}

// gzipBody decompresses a gzip body, opening the decompressor on the first
// read so that RoundTrip does not wait for the body.
type gzipBody struct {
	body io.ReadCloser
	zr   *gzip.Reader
	err  error
}

func (g *gzipBody) Read(p []byte) (int, error) {
	if g.zr == nil && g.err == nil {
		g.zr, g.err = gzip.NewReader(g.body)
	}
	if g.err != nil {
		return 0, g.err
	}
	return g.zr.Read(p)
}

func (g *gzipBody) Close() error { return g.body.Close() }
