package mux

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// AccessLog writes one line per HTTP request in the Apache combined format,
// as lws writes its vhost access log:
//
//	127.0.0.1 - - [27/Mar/2016:03:22:44 +0800] "GET /x.png HTTP/1.1" 200 152987 "http://host/" "curl/8.0"
//
// the peer's address without the port, the local time, the method, the
// request URI (at most 255 bytes) and protocol, the status, the body bytes
// sent, the Referer and the User-Agent (their double quotes turned into
// single ones). WebSocket upgrades are not logged. Set it in
// Vhost.AccessLog; it is safe for concurrent use.
type AccessLog struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

// NewAccessLog returns an AccessLog writing to w, one Write per line.
func NewAccessLog(w io.Writer) *AccessLog { return &AccessLog{w: w, now: time.Now} }

// maxLogURI bounds the request URI in a line, as lws does.
const maxLogURI = 255

// line formats the entry of r, answered with status and sent body bytes.
func (l *AccessLog) line(r *http.Request, start time.Time, status int, sent int64) []byte {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if peer == "" {
		peer = "unknown"
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	if len(uri) > maxLogURI {
		uri = uri[:maxLogURI]
	}
	proto := "HTTP/1.1"
	switch {
	case r.ProtoMajor == 2:
		proto = "HTTP/2"
	case r.ProtoMajor == 1 && r.ProtoMinor == 0:
		proto = "HTTP/1.0"
	}
	quote := func(s string) string { return strings.ReplaceAll(s, `"`, `'`) }
	b := make([]byte, 0, 160+len(uri))
	b = append(b, peer...)
	b = append(b, " - - ["...)
	b = start.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = append(b, quote(r.Method)...)
	b = append(b, ' ')
	b = append(b, quote(uri)...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, sent, 10)
	b = append(b, " \""...)
	b = append(b, quote(r.Referer())...)
	b = append(b, "\" \""...)
	b = append(b, quote(r.UserAgent())...)
	b = append(b, "\"\n"...)
	return b
}

// serve serves r through serve and logs it when done.
func (l *AccessLog) serve(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request)) {
	cw := &countWriter{statusWriter: statusWriter{ResponseWriter: w, rc: http.NewResponseController(w)}}
	start := l.now()
	defer func() {
		line := l.line(r, start, cw.result(), cw.n)
		l.mu.Lock()
		l.w.Write(line)
		l.mu.Unlock()
	}()
	serve(cw, r)
}

// countWriter is a statusWriter that also counts the body bytes written.
type countWriter struct {
	statusWriter
	n int64
}

func (w *countWriter) Write(p []byte) (int, error) {
	n, err := w.statusWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// ReadFrom keeps the wrapped writer's ReadFrom (sendfile), counting.
func (w *countWriter) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.statusWriter.ReadFrom(r)
	w.n += n
	return n, err
}
