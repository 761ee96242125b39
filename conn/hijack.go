package conn

import (
	"github.com/coder/websocket"

	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
)

// Sizes of what a hijacked WebSocket connection keeps.
const (
	// leanReadSize is the pooled buffer a connection reads into while data
	// arrives; an idle connection holds none.
	leanReadSize = 4096
	// leanWriteSize is the write buffer coder/websocket frames messages
	// in: a frame header and up to 2 KiB of payload go out in one write.
	leanWriteSize = 2048
)

// LeanHijacker wraps w so that a WebSocket accepted through it keeps little
// memory while idle: net/http hands a hijacked connection 8 KiB of bufio
// buffers for its whole life; through LeanHijacker reading uses a pooled
// buffer only while data arrives and writing a 2 KiB buffer. Pass the result
// to websocket.Accept in place of w.
func LeanHijacker(w http.ResponseWriter) http.ResponseWriter {
	return &leanResponseWriter{ResponseWriter: w}
}

// AcceptWebSocket upgrades r to a WebSocket through LeanHijacker and
// returns its transport. Unlike NewWebSocket on a connection accepted
// elsewhere, this transport holds the socket, so Abort cuts it at once even
// while a close handshake waits for a peer that does not answer.
func AcceptWebSocket(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*WebSocket, error) {
	lw := &leanResponseWriter{ResponseWriter: w}
	ws, err := websocket.Accept(lw, r, opts)
	if err != nil {
		return nil, err
	}
	t := NewWebSocket(ws)
	t.nc = lw.conn
	return t, nil
}

type leanResponseWriter struct {
	http.ResponseWriter
	conn net.Conn // the hijacked connection, once Hijack has run
}

// Unwrap gives http.ResponseController the wrapped writer.
func (w *leanResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over, keeping any bytes the server had
// already buffered.
func (w *leanResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	lc := &leanConn{Conn: nc}
	w.conn = lc
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		lc.pre = append([]byte(nil), b...)
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			lc.rc = rc
			lc.rawRead = lc.readRaw
		}
	}
	return lc, bufio.NewReadWriter(bufio.NewReaderSize(lc, 16), bufio.NewWriterSize(lc, leanWriteSize)), nil
}

// leanConn reads without holding a buffer while it waits: it waits for the
// socket to be readable, then reads into a pooled buffer that goes back to
// the pool as soon as it has been consumed. Reads are made by one goroutine
// at a time (coder/websocket's read lock).
type leanConn struct {
	net.Conn
	rc      syscall.RawConn // nil: no raw access (TLS), read directly
	rawRead func(fd uintptr) bool
	pre     []byte  // bytes read by net/http before the hijack
	buf     *[]byte // pooled; nil when nothing is buffered
	r, w    int
	err     error // of the last raw read
}

func (c *leanConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	if c.buf == nil {
		if c.rc == nil || len(p) >= leanReadSize {
			return c.Conn.Read(p)
		}
		c.err = nil
		if err := c.rc.Read(c.rawRead); err != nil {
			return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
		}
		if c.err != nil {
			return 0, c.err
		}
		if c.buf == nil {
			return 0, io.EOF
		}
	}
	n := copy(p, (*c.buf)[c.r:c.w])
	c.r += n
	if c.r == c.w {
		putBuffer(c.buf)
		c.buf = nil
	}
	return n, nil
}

// readRaw is the RawConn.Read callback: it reads what the socket has into
// a pooled buffer, or gives the buffer back and asks to wait.
func (c *leanConn) readRaw(fd uintptr) bool {
	b := getBuffer(leanReadSize)
	for {
		n, err := syscall.Read(int(fd), *b)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			putBuffer(b)
			return false // wait until readable, holding nothing
		case err != nil:
			putBuffer(b)
			c.err = os.NewSyscallError("read", err)
		case n == 0:
			putBuffer(b) // EOF
		default:
			c.buf, c.r, c.w = b, 0, n
		}
		return true
	}
}
