package conn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// A WebSocket over HTTP/2 (RFC 8441) travels on one stream of an HTTP/2
// connection: the client's extended CONNECT request (":protocol:
// websocket") is answered 200, and the frames follow as the request's and
// the response's DATA. The stream has no socket, so such a WebSocket
// neither parks nor reads the kernel's counters: its Outbox keeps every
// write for the service goroutine, which writes it through the stream and
// waits until the peer's flow-control window has taken it (the earned
// writeable follows the stream's send window), and its reader reads the
// stream's body, whose receive window reopens only as the reader reads (rx
// flow control reaches the peer as a closed window). Pings, the close
// handshake and permessage-deflate are the same as over HTTP/1.1.

// IsExtendedConnect reports whether r is an HTTP/2 extended CONNECT
// request (RFC 8441) for any protocol.
func IsExtendedConnect(r *http.Request) bool {
	return r.Method == http.MethodConnect && r.ProtoMajor >= 2 && r.Header.Get(":protocol") != ""
}

// IsWebSocketConnect reports whether r opens a WebSocket over HTTP/2: an
// extended CONNECT whose :protocol is websocket.
func IsWebSocketConnect(r *http.Request) bool {
	return IsExtendedConnect(r) && strings.EqualFold(r.Header.Get(":protocol"), "websocket")
}

// placeholderKey stands in for the Sec-WebSocket-Key that RFC 8441 drops,
// so that the HTTP/1.1 handshake code accepts the request; the response
// carries no Sec-WebSocket-Accept.
const placeholderKey = "dGhlIHNhbXBsZSBub25jZQ=="

// H2Upgrade is the response writer of a WebSocket over HTTP/2 while the
// handshake runs: code written for HTTP/1.1 upgrades (coder/websocket's
// Accept, AcceptWebSocket, a vhost's upgrade) sees an upgrade request and a
// writer it can hijack. Its 101 goes out as 200 without the HTTP/1.1-only
// headers, and Hijack hands over the stream as a net.Conn. The handler
// that made it must call Wait before it returns: an HTTP/2 stream ends with
// its handler.
type H2Upgrade struct {
	http.ResponseWriter
	r  *http.Request
	rc *http.ResponseController
	s  *h2Stream // the hijacked stream, nil before Hijack
}

// NewH2Upgrade prepares the WebSocket over HTTP/2 that r opens (see
// IsWebSocketConnect): it returns the writer to answer it with and a copy of
// r that reads like an HTTP/1.1 upgrade request (GET, Connection: Upgrade,
// Upgrade: websocket and a Sec-WebSocket-Key); the original's headers stay
// in it, ":protocol" too. The copy is shallow, as r.WithContext makes, but
// for its own Header map; InfoFromRequest given the copy with its headers
// as made here keeps the original's headers instead of copying them again,
// since net/http keeps them for as long as the stream lives anyway.
func NewH2Upgrade(w http.ResponseWriter, r *http.Request) (*H2Upgrade, *http.Request) {
	m := &h2Request{orig: r}
	hr := r.WithContext(context.WithValue(r.Context(), h2RequestKey{}, m))
	hr.Method = http.MethodGet
	hr.Header = make(http.Header, len(r.Header)+3)
	for k, vv := range r.Header {
		hr.Header[k] = vv[:len(vv):len(vv)] // shared; an Add copies
	}
	hr.Header.Set("Connection", "Upgrade")
	hr.Header.Set("Upgrade", "websocket")
	if hr.Header.Get("Sec-WebSocket-Key") == "" {
		hr.Header.Set("Sec-WebSocket-Key", placeholderKey)
	}
	m.req = hr
	return &H2Upgrade{ResponseWriter: w, r: r, rc: http.NewResponseController(w)}, hr
}

// h2RequestKey is the context key under which the request NewH2Upgrade
// makes finds its h2Request.
type h2RequestKey struct{}

// h2Request ties the upgrade request NewH2Upgrade made to the request it
// was made from.
type h2Request struct {
	orig *http.Request // net/http's extended CONNECT
	req  *http.Request // the upgrade request made from it
}

// h2UpgradeHeaders is the header names NewH2Upgrade adds.
var h2UpgradeHeaders = [...]string{"Connection", "Upgrade", "Sec-Websocket-Key"}

// originalHeader returns the headers of the extended CONNECT that r was
// made from by NewH2Upgrade, if r is that upgrade request and its headers
// are still those of the original plus the ones NewH2Upgrade added; else
// nil.
func originalHeader(r *http.Request) http.Header {
	m, ok := r.Context().Value(h2RequestKey{}).(*h2Request)
	if !ok || m.req != r {
		return nil
	}
	orig := m.orig.Header
	seen := 0
	for k, vv := range r.Header {
		ov, ok := orig[k]
		if !ok {
			if !slices.Contains(h2UpgradeHeaders[:], k) {
				return nil
			}
			continue
		}
		if len(vv) != len(ov) || len(vv) > 0 && &vv[0] != &ov[0] {
			return nil // changed since
		}
		seen++
	}
	if seen != len(orig) {
		return nil
	}
	return orig
}

// Unwrap gives http.ResponseController the HTTP/2 response writer.
func (u *H2Upgrade) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// WriteHeader sends 101 as RFC 8441's 200, dropping the headers HTTP/2
// forbids or RFC 8441 leaves out, and sends the headers at once; other
// statuses (a refused handshake) pass unchanged.
func (u *H2Upgrade) WriteHeader(status int) {
	if status != http.StatusSwitchingProtocols {
		u.ResponseWriter.WriteHeader(status)
		return
	}
	h := u.ResponseWriter.Header()
	h.Del("Connection")
	h.Del("Upgrade")
	h.Del("Sec-WebSocket-Accept")
	u.ResponseWriter.WriteHeader(http.StatusOK)
	_ = u.rc.Flush()
}

// Hijack takes the stream over: the request's body is what it reads, the
// response's body what it writes. The stream's deadlines are cleared, so a
// server's read or write timeout does not cut the WebSocket.
func (u *H2Upgrade) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if u.s != nil {
		return nil, nil, http.ErrHijacked
	}
	_ = u.rc.SetReadDeadline(time.Time{})
	_ = u.rc.SetWriteDeadline(time.Time{})
	s := &h2Stream{
		rd:     u.r.Body,
		wr:     u.ResponseWriter,
		flush:  u.rc.Flush,
		reset:  func() { _ = u.rc.SetWriteDeadline(time.Now().Add(-time.Second)) },
		local:  streamAddr(localAddr(u.r)),
		remote: streamAddr(u.r.RemoteAddr),
		idle:   make(chan struct{}),
	}
	u.s = s
	return s, bufio.NewReadWriter(bufio.NewReaderSize(s, 16), bufio.NewWriterSize(s, leanWriteSize)), nil
}

// Hijacked reports whether the stream was taken over.
func (u *H2Upgrade) Hijacked() bool { return u.s != nil }

// Wait blocks until the WebSocket on the stream has ended and nothing
// writes to the response any more, so that the handler may return. When the
// request ends first (the peer reset the stream or the connection went),
// the WebSocket is cut off. It returns at once when the stream was not
// hijacked.
func (u *H2Upgrade) Wait() {
	if u.s == nil {
		return
	}
	select {
	case <-u.s.idle:
		return
	case <-u.r.Context().Done():
		_ = u.s.Close()
	}
	<-u.s.idle
}

// localAddr is the server address r arrived on, or "".
func localAddr(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		return a.String()
	}
	return ""
}

// streamAddr is the address of one end of an HTTP/2 stream: that of the
// connection carrying it.
type streamAddr string

func (a streamAddr) Network() string { return "h2" }
func (a streamAddr) String() string  { return string(a) }

// h2Stream is one HTTP/2 stream as a net.Conn. Reads come from rd; a write
// is written to wr and flushed, returning once the stream's send window has
// taken it. Close ends the stream: at once when no write is under way (the
// handler may then return, which ends the stream cleanly), else by
// resetting it, which ends the write. Deadlines are not supported.
type h2Stream struct {
	rd     io.ReadCloser
	wr     io.Writer
	flush  func() error
	reset  func() // resets the stream: unblocks a write waiting for the window
	done   func() // if set, run once the stream is closed and idle
	local  net.Addr
	remote net.Addr

	mu      sync.Mutex
	writing bool
	closed  bool
	idle    chan struct{} // closed once Close has run and no write is under way
}

// errDeadline is returned by the deadline methods of an HTTP/2 stream.
var errDeadline = errors.New("conn: deadlines are not supported on an HTTP/2 stream")

func (s *h2Stream) Read(p []byte) (int, error) { return s.rd.Read(p) }

// inputWaiter is implemented by readers that can wait for input without a
// buffer to read it into.
type inputWaiter interface {
	// waitInput returns once a read would not block: input has arrived, or
	// the error the read would return.
	waitInput() error
}

// waitInput waits for the stream's next DATA: both of its bodies (net/http's
// server request body and h2ClientStream) block an empty read until input,
// the end or an error is there, and take nothing. A body that returned at
// once would only make the next read wait with a buffer, as before.
func (s *h2Stream) waitInput() error {
	_, err := s.rd.Read(nil)
	return err
}

func (s *h2Stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, net.ErrClosed
	}
	s.writing = true
	s.mu.Unlock()
	n, err := s.wr.Write(p)
	if err == nil && s.flush != nil {
		err = s.flush()
	}
	s.mu.Lock()
	s.writing = false
	closed := s.closed
	s.mu.Unlock()
	if closed {
		s.finish()
		if err == nil {
			err = net.ErrClosed
		}
	}
	return n, err
}

// Close ends the stream; it is idempotent and never blocks on the peer.
func (s *h2Stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	busy := s.writing
	s.mu.Unlock()
	_ = s.rd.Close()
	if busy {
		s.reset() // the write returns, and finishes
		return nil
	}
	s.finish()
	return nil
}

// finish marks the stream idle; the caller has seen it closed with no
// write under way.
func (s *h2Stream) finish() {
	s.mu.Lock()
	select {
	case <-s.idle:
		s.mu.Unlock()
		return
	default:
	}
	close(s.idle)
	s.mu.Unlock()
	if s.done != nil {
		s.done()
	}
}

func (s *h2Stream) LocalAddr() net.Addr                { return s.local }
func (s *h2Stream) RemoteAddr() net.Addr               { return s.remote }
func (s *h2Stream) SetDeadline(t time.Time) error      { return errDeadline }
func (s *h2Stream) SetReadDeadline(t time.Time) error  { return errDeadline }
func (s *h2Stream) SetWriteDeadline(t time.Time) error { return errDeadline }
