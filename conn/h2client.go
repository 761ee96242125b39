package conn

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// H2Conn is the client side of an HTTP/2 connection that carries
// WebSockets (RFC 8441), any number of them as streams of the one socket.
// Go's HTTP client cannot send an extended CONNECT (net/http refuses the
// ":protocol" header before its HTTP/2 code sees it), so this is a small
// HTTP/2 client of its own, made for WebSocket streams and the plain HTTP
// requests that share their connection (RoundTrip): flow control both ways
// (a stream's receive window reopens as its reader reads, while the
// connection's reopens as soon as DATA is buffered, so that a stream whose
// reader stopped holds back no other; a write waits for the send windows),
// PING, SETTINGS, RST_STREAM and GOAWAY. Its methods
// are safe from any goroutine.
type H2Conn struct {
	nc   net.Conn
	fr   *http2.Framer
	done chan struct{} // closed when the read loop ends

	wmu  sync.Mutex // frame writes, and henc
	henc *hpack.Encoder
	hbuf bytes.Buffer

	mu        sync.Mutex
	cond      *sync.Cond // windows, input, responses, settings, failure
	streams   map[uint32]*h2ClientStream
	nextID    uint32
	connSend  int64 // the connection's send window
	initSend  int64 // the peer's initial stream window
	maxFrame  int
	settings  bool // the peer's first SETTINGS arrived
	xconnect  bool // it offers extended CONNECT
	err       error
	goaway    error // the server's GOAWAY: no new streams, the others go on
	closeIdle bool  // close once no stream is left
	recvHeld  int64 // DATA received whose connection window is not yet given back
}

// h2RecvWindow is the receive window of each stream: what a peer may send
// on it before the reader has read it, and so what a stream may hold
// buffered. DATA beyond it is a flow-control error that resets the stream.
const h2RecvWindow = 256 << 10

// h2ConnWindow is the connection's receive window. It is given back as DATA
// arrives, not as it is read (each stream's window bounds what is
// buffered), so streams whose readers stopped do not close it for the
// others.
const h2ConnWindow = 16 << 20

// h2ConnUpdate is how much connection window is given back at a time.
const h2ConnUpdate = h2ConnWindow / 16

// NewH2Conn starts the client side of HTTP/2 on nc: a *tls.Conn that
// negotiated "h2", or a plain connection for h2c with prior knowledge. It
// fails with ErrNoExtendedConnect on a TLS connection that negotiated
// something else. If the server closes before taking the client's preface,
// the connection returned has ended already (see Err and Ready).
func NewH2Conn(nc net.Conn) (*H2Conn, error) {
	if tc, ok := nc.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol != "h2" {
		return nil, fmt.Errorf("%w: TLS negotiated %q, not h2", ErrNoExtendedConnect, tc.ConnectionState().NegotiatedProtocol)
	}
	c := &H2Conn{
		nc:       nc,
		fr:       http2.NewFramer(nc, nc),
		done:     make(chan struct{}),
		streams:  map[uint32]*h2ClientStream{},
		nextID:   1,
		connSend: 65535,
		initSend: 65535,
		maxFrame: 16384,
	}
	c.cond = sync.NewCond(&c.mu)
	c.henc = hpack.NewEncoder(&c.hbuf)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = 1 << 20
	_, err := io.WriteString(nc, http2.ClientPreface)
	if err == nil {
		err = c.fr.WriteSettings(http2.Setting{ID: http2.SettingEnablePush, Val: 0},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2RecvWindow})
	}
	if err == nil {
		err = c.fr.WriteWindowUpdate(0, h2ConnWindow-65535)
	}
	if err != nil {
		// A server that closed before reading the preface: the connection
		// is dead, and Ready says whether the server spoke HTTP/2 first.
		c.fail(err)
	}
	go c.readLoop()
	return c, nil
}

// CloseWhenIdle makes the connection close once it has no stream left
// (at once if it has none).
func (c *H2Conn) CloseWhenIdle() {
	c.mu.Lock()
	c.closeIdle = true
	idle := len(c.streams) == 0
	if idle && c.err == nil {
		c.err = net.ErrClosed // no stream may start now
	}
	c.mu.Unlock()
	if idle {
		c.Close()
	}
}

// Streams is the number of open streams.
func (c *H2Conn) Streams() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.streams)
}

// Done is closed once the connection has ended.
func (c *H2Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended or takes no new streams (the server's
// GOAWAY), nil while it works.
func (c *H2Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return c.goaway
}

// Close ends the connection and every stream on it, and waits for its read
// loop.
func (c *H2Conn) Close() error {
	c.fail(net.ErrClosed)
	<-c.done
	return nil
}

// fail records why the connection ends and closes the socket.
func (c *H2Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.cond.Broadcast()
	c.mu.Unlock()
	_ = c.nc.Close()
}

func (c *H2Conn) readLoop() {
	defer close(c.done)
	for {
		f, err := c.fr.ReadFrame()
		if err != nil {
			c.fail(err)
			return
		}
		if err := c.handle(f); err != nil {
			c.fail(err)
			return
		}
	}
}

// handle processes one frame from the server.
func (c *H2Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		if f.IsAck() {
			return nil
		}
		c.mu.Lock()
		err := f.ForeachSetting(func(s http2.Setting) error {
			switch s.ID {
			case http2.SettingInitialWindowSize:
				delta := int64(s.Val) - c.initSend
				c.initSend = int64(s.Val)
				for _, st := range c.streams {
					st.send += delta
				}
			case http2.SettingMaxFrameSize:
				c.maxFrame = int(s.Val)
			case http2.SettingEnableConnectProtocol:
				c.xconnect = s.Val == 1
			}
			return nil
		})
		c.settings = true
		c.cond.Broadcast()
		c.mu.Unlock()
		if err != nil {
			return err
		}
		return c.write(func() error { return c.fr.WriteSettingsAck() })
	case *http2.PingFrame:
		if f.IsAck() {
			return nil
		}
		return c.write(func() error { return c.fr.WritePing(true, f.Data) })
	case *http2.WindowUpdateFrame:
		c.mu.Lock()
		if f.StreamID == 0 {
			c.connSend += int64(f.Increment)
		} else if st := c.streams[f.StreamID]; st != nil {
			st.send += int64(f.Increment)
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	case *http2.MetaHeadersFrame:
		c.mu.Lock()
		st := c.streams[f.StreamID]
		if st != nil && st.resp == nil && !informational(f) {
			st.resp = responseOf(f, st)
		}
		if st != nil && f.StreamEnded() {
			st.eof = true
		}
		c.cond.Broadcast()
		c.mu.Unlock()
	case *http2.DataFrame:
		return c.data(f)
	case *http2.RSTStreamFrame:
		c.mu.Lock()
		if st := c.streams[f.StreamID]; st != nil {
			st.rerr = fmt.Errorf("conn: HTTP/2 stream reset by the server: %v", f.ErrCode)
			delete(c.streams, f.StreamID)
			c.cond.Broadcast()
		}
		c.mu.Unlock()
		c.maybeIdle()
	case *http2.GoAwayFrame:
		c.mu.Lock()
		for id, st := range c.streams {
			if id > f.LastStreamID {
				st.rerr = fmt.Errorf("conn: HTTP/2 server going away: %v", f.ErrCode)
				delete(c.streams, id)
			}
		}
		if c.goaway == nil {
			c.goaway = fmt.Errorf("conn: HTTP/2 server going away: %v", f.ErrCode) // no new streams
		}
		c.cond.Broadcast()
		c.mu.Unlock()
		c.maybeIdle()
	}
	return nil
}

// data takes a DATA frame: its payload goes to the stream's buffer, within
// the stream's receive window, and the connection's window is given back at
// once (in h2ConnUpdate steps), whether the stream's reader reads or not.
// DATA beyond the stream's window resets the stream (FLOW_CONTROL_ERROR);
// beyond the connection's, it ends the connection (RFC 9113, 6.9).
func (c *H2Conn) data(f *http2.DataFrame) error {
	n := int64(f.Length)
	c.mu.Lock()
	if c.recvHeld+n > h2ConnWindow {
		c.mu.Unlock()
		_ = c.write(func() error { return c.fr.WriteGoAway(0, http2.ErrCodeFlowControl, nil) })
		return fmt.Errorf("conn: HTTP/2 server sent DATA beyond the connection's window: %w", http2.ConnectionError(http2.ErrCodeFlowControl))
	}
	c.recvHeld += n
	var give int64
	if c.recvHeld >= h2ConnUpdate {
		give, c.recvHeld = c.recvHeld, 0
	}
	rst := false
	st := c.streams[f.StreamID]
	if st != nil && !st.closed {
		if st.held+n > h2RecvWindow {
			rst = true
			st.rerr = fmt.Errorf("conn: HTTP/2 server sent DATA beyond the stream's window: %v", http2.ErrCodeFlowControl)
			delete(c.streams, f.StreamID)
			st.release()
			st.eof = false // the reader gets the error
		} else {
			st.held += n
			st.in.Write(f.Data())
			st.unacked += int(n) - len(f.Data()) // padding is returned with what is read
			if f.StreamEnded() {
				st.eof = true
			}
		}
		c.cond.Broadcast()
	}
	c.mu.Unlock()
	if give > 0 || rst {
		err := c.write(func() error {
			if rst {
				if err := c.fr.WriteRSTStream(f.StreamID, http2.ErrCodeFlowControl); err != nil {
					return err
				}
			}
			if give > 0 {
				return c.fr.WriteWindowUpdate(0, uint32(give))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if rst {
		c.maybeIdle()
	}
	return nil
}

// responseOf makes the response the headers of st describe.
func responseOf(f *http2.MetaHeadersFrame, st *h2ClientStream) *http.Response {
	code, _ := strconv.Atoi(f.PseudoValue("status"))
	h := http.Header{}
	for _, hf := range f.RegularFields() {
		h.Add(http.CanonicalHeaderKey(hf.Name), hf.Value)
	}
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode: code,
		Proto:      "HTTP/2.0",
		ProtoMajor: 2,
		Header:     h,
		Body:       st,
	}
}

// write makes one frame write under the write lock.
func (c *H2Conn) write(f func() error) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return f()
}

// maybeIdle closes a connection asked to close when idle.
func (c *H2Conn) maybeIdle() {
	c.mu.Lock()
	idle := c.closeIdle && len(c.streams) == 0
	if idle && c.err == nil {
		c.err = net.ErrClosed // no stream may start now
	}
	c.mu.Unlock()
	if idle {
		c.fail(net.ErrClosed)
	}
}

// connect sends an extended CONNECT for protocol on a new stream and waits
// for the response headers; ctx bounds the wait. The response's Body is the
// stream.
func (c *H2Conn) connect(ctx context.Context, protocol, scheme, authority, path string, h http.Header) (*http.Response, error) {
	stop := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer stop()
	c.mu.Lock()
	for !c.settings && c.err == nil && ctx.Err() == nil {
		c.cond.Wait()
	}
	switch {
	case c.err != nil:
		err := c.err
		c.mu.Unlock()
		return nil, err
	case ctx.Err() != nil:
		c.mu.Unlock()
		return nil, context.Cause(ctx)
	case !c.xconnect:
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: no SETTINGS_ENABLE_CONNECT_PROTOCOL", ErrNoExtendedConnect)
	}
	c.mu.Unlock()

	var fields []hpack.HeaderField
	enc := func(k, v string) { fields = append(fields, hpack.HeaderField{Name: k, Value: v}) }
	enc(":method", http.MethodConnect)
	enc(":protocol", protocol)
	enc(":scheme", scheme)
	enc(":authority", authority)
	enc(":path", path)
	for k, vv := range h {
		lk := strings.ToLower(k)
		if lk == "host" || lk == "connection" || lk == "upgrade" || lk == "transfer-encoding" || lk == "keep-alive" || strings.HasPrefix(lk, ":") {
			continue
		}
		for _, v := range vv {
			enc(lk, v)
		}
	}
	st, err := c.open(fields, false)
	if err != nil {
		return nil, err
	}

	c.mu.Lock()
	for st.resp == nil && st.rerr == nil && c.err == nil && ctx.Err() == nil {
		c.cond.Wait()
	}
	resp, rerr, cerr := st.resp, st.rerr, c.err
	c.mu.Unlock()
	switch {
	case resp != nil:
		return resp, nil
	case rerr != nil:
		return nil, rerr
	case cerr != nil:
		return nil, cerr
	}
	st.reset()
	return nil, context.Cause(ctx)
}

// writeHeaders writes a header block as HEADERS and CONTINUATION frames,
// the HEADERS with END_STREAM if end; the caller holds wmu.
func (c *H2Conn) writeHeaders(id uint32, block []byte, end bool) error {
	c.mu.Lock()
	max := c.maxFrame
	c.mu.Unlock()
	first := true
	for first || len(block) > 0 {
		n := min(len(block), max)
		frag := block[:n]
		block = block[n:]
		var err error
		if first {
			err = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag, EndHeaders: len(block) == 0, EndStream: end})
			first = false
		} else {
			err = c.fr.WriteContinuation(id, len(block) == 0, frag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// h2ClientStream is one stream of an H2Conn: Read gives the server's DATA,
// Write sends DATA within the send windows, Close ends the client's side.
type h2ClientStream struct {
	c  *H2Conn
	id uint32

	// Guarded by c.mu.
	resp    *http.Response
	in      bytes.Buffer
	unacked int   // bytes read but not yet returned to the stream's window
	held    int64 // DATA received and not yet returned to the stream's window
	send    int64 // the stream's send window
	eof     bool
	rerr    error // reset
	closed  bool
	ended   bool // END_STREAM sent
}

func (s *h2ClientStream) Read(p []byte) (int, error) {
	c := s.c
	c.mu.Lock()
	for s.in.Len() == 0 && !s.eof && s.rerr == nil && !s.closed && c.err == nil {
		c.cond.Wait()
	}
	if s.in.Len() == 0 {
		err := io.EOF
		switch {
		case s.closed:
			err = net.ErrClosed
		case s.rerr != nil && !s.eof: // a reset after the whole response changes nothing
			err = s.rerr
		case !s.eof:
			err = c.err
		}
		c.mu.Unlock()
		return 0, err
	}
	n, _ := s.in.Read(p)
	s.unacked += n
	ack := 0
	if s.unacked >= h2RecvWindow/4 {
		ack, s.unacked = s.unacked, 0
		s.held -= int64(ack)
	}
	if s.in.Len() == 0 && s.in.Cap() > 4<<10 {
		s.in = bytes.Buffer{} // an idle stream keeps at most a small buffer
	}
	c.mu.Unlock()
	if ack > 0 {
		err := c.write(func() error { return c.fr.WriteWindowUpdate(s.id, uint32(ack)) })
		if err != nil {
			c.fail(err)
		}
	}
	return n, nil
}

func (s *h2ClientStream) Write(p []byte) (int, error) {
	c := s.c
	written := 0
	for len(p) > 0 {
		c.mu.Lock()
		for (s.send <= 0 || c.connSend <= 0) && !s.closed && s.rerr == nil && c.err == nil {
			c.cond.Wait()
		}
		switch {
		case s.closed:
			c.mu.Unlock()
			return written, net.ErrClosed
		case s.rerr != nil:
			err := s.rerr
			c.mu.Unlock()
			return written, err
		case c.err != nil:
			err := c.err
			c.mu.Unlock()
			return written, err
		}
		n := int(min(int64(len(p)), s.send, c.connSend, int64(c.maxFrame)))
		s.send -= int64(n)
		c.connSend -= int64(n)
		c.mu.Unlock()
		if err := c.write(func() error { return c.fr.WriteData(s.id, false, p[:n]) }); err != nil {
			c.fail(err)
			return written, err
		}
		written += n
		p = p[n:]
	}
	return written, nil
}

// Close ends the client's side of the stream (END_STREAM, unless sent) and
// forgets it; whatever the server still sends or sent unread is dropped
// (the connection's window had it back as it arrived).
func (s *h2ClientStream) Close() error {
	c := s.c
	c.mu.Lock()
	if s.closed {
		c.mu.Unlock()
		return nil
	}
	s.closed = true
	live := s.rerr == nil && c.err == nil
	_, open := c.streams[s.id]
	delete(c.streams, s.id)
	end := open && live && !s.ended
	rst := open && live && !s.eof
	s.release()
	c.cond.Broadcast()
	c.mu.Unlock()
	c.finishStream(s.id, end, rst)
	return nil
}

// finishStream sends what ends our use of stream id: END_STREAM on our
// side (end) and a reset (rst, CANCEL); then the connection may close if
// idle.
func (c *H2Conn) finishStream(id uint32, end, rst bool) {
	if end || rst {
		err := c.write(func() error {
			if end {
				if err := c.fr.WriteData(id, true, nil); err != nil {
					return err
				}
			}
			if rst {
				return c.fr.WriteRSTStream(id, http2.ErrCodeCancel)
			}
			return nil
		})
		if err != nil {
			c.fail(err)
		}
	}
	c.maybeIdle()
}

// release drops what the stream holds unread; the caller holds c.mu.
func (s *h2ClientStream) release() {
	s.in, s.unacked = bytes.Buffer{}, 0
}

// reset abandons a stream whose response did not come in time.
func (s *h2ClientStream) reset() {
	c := s.c
	c.mu.Lock()
	_, open := c.streams[s.id]
	delete(c.streams, s.id)
	s.closed = true
	c.mu.Unlock()
	if open {
		_ = c.write(func() error { return c.fr.WriteRSTStream(s.id, http2.ErrCodeCancel) })
	}
	c.maybeIdle()
}
