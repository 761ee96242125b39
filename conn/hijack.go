package conn

import (
	"bufio"
	"net"
	"net/http"
	"runtime"

	"github.com/coder/websocket"
)

// leanWriteSize is the write buffer handed to code that writes through a
// connection hijacked by LeanHijacker.
const leanWriteSize = 2048

// LeanHijacker wraps w so that a WebSocket accepted through it by
// coder/websocket keeps little memory: net/http hands a hijacked connection
// 8 KiB of bufio buffers for its whole life; through LeanHijacker reading is
// unbuffered and writing uses 2 KiB. Pass the result to websocket.Accept in
// place of w. AcceptWebSocket uses it.
func LeanHijacker(w http.ResponseWriter) http.ResponseWriter {
	return &leanResponseWriter{ResponseWriter: w}
}

// AcceptWebSocket upgrades r and returns the connection's transport:
// coder/websocket checks the request and negotiates the subprotocol and
// permessage-deflate (with opts), then the transport takes the hijacked
// connection over. The transport holds the socket, so Abort cuts it at once.
func AcceptWebSocket(w http.ResponseWriter, r *http.Request, opts *websocket.AcceptOptions) (*WebSocket, error) {
	lw := &leanResponseWriter{ResponseWriter: w}
	ws, err := websocket.Accept(lw, r, opts)
	if err != nil {
		return nil, err
	}
	// coder/websocket closes the connection when its Conn is collected;
	// from here on the connection is the transport's.
	runtime.SetFinalizer(ws, nil)
	threshold := 0
	if opts != nil {
		threshold = opts.CompressionThreshold
	}
	lc := lw.conn
	return newWebSocket(lc.Conn, lc.Conn, lc.pre, false, negotiatedDeflate(w.Header(), threshold)), nil
}

type leanResponseWriter struct {
	http.ResponseWriter
	conn *leanConn // the hijacked connection, once Hijack has run
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
	return lc, bufio.NewReadWriter(bufio.NewReaderSize(lc, 16), bufio.NewWriterSize(lc, leanWriteSize)), nil
}

// leanConn replays the bytes net/http had buffered, then reads the
// connection.
type leanConn struct {
	net.Conn
	pre []byte
}

func (c *leanConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
