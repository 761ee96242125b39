package conn

import (
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// WebSocket is the Transport of a WebSocket connection. The handshake
// (accepting, dialling, subprotocol and extension negotiation) is
// github.com/coder/websocket's; the frames after it are this type's own, so
// that the engine can stream fragments both ways, read control frames
// whatever the data is doing, send without ever blocking reception, and
// close at once on a protocol error (see the package documentation).
//
// Received data is delivered as it arrives: a chunk ends where a frame
// ends, where the rx buffer is full, or where the bytes that have arrived
// run out, so nothing waits for later input. Text is checked to be UTF-8 as
// it arrives; invalid text closes with 1007, a protocol violation with 1002.
// Pings are answered and pongs noted by the reader as they come.
type WebSocket struct {
	nc     net.Conn        // the connection: writes, Abort
	rd     io.Reader       // where frames are read from
	sock   syscall.RawConn // the socket under nc (under TLS too), for FIONREAD; nil if none
	direct bool            // nc is that socket: reads may wait on it without a buffer
	plain  bool            // no record layer between the socket and rd: bytes in the kernel can be read at once
	client bool
	ext    *pmd // permessage-deflate, nil when not negotiated
	out    *Outbox
	notify func() // asks the engine to Flush: set once, before reading

	// Read state, owned by the reader goroutine.
	idleAfter  time.Duration // ParkAfter where the connection can park, else 0
	fresh      bool          // nothing read since the handshake: the first wait parks at once
	deadline   time.Time     // the read deadline armed for it, zero if none
	pre        []byte        // bytes read before the handshake ended
	in         *[]byte       // pooled read buffer, nil while nothing is buffered
	ir, iw     int
	cur        header // the data frame being read
	remain     int64  // its payload still to read
	maskPos    int
	inFrame    bool
	msgType    MessageType // of the message in progress, 0 between messages
	first      bool
	compressed bool
	utf8       utf8Stream
	infl       *inflater
	src        inflateSource

	heard     atomic.Uint64 // bytes read from the peer
	peerClose atomic.Pointer[CloseError]
	gone      atomic.Bool // reading ended without a close frame: send none
	readDone  chan struct{}
	readOnce  sync.Once
	aborted   chan struct{}
	abortOnce sync.Once

	// Write state, used under the engine's write lock.
	fragOpen       bool // a fragmented message is being sent
	fragCompressed bool
	defl           *deflater
	hdr            [maxHeaderSize]byte
}

var (
	_ Transport      = (*WebSocket)(nil)
	_ Sender         = (*WebSocket)(nil)
	_ Pinger         = (*WebSocket)(nil)
	_ OutputNotifier = (*WebSocket)(nil)
	_ ReadyReader    = (*WebSocket)(nil)
	_ Parker         = (*WebSocket)(nil)
)

// newWebSocket makes the transport for a connection whose handshake is done.
// rd is what to read frames from (nc itself unless the handshake left bytes
// buffered elsewhere), pre the bytes already read past the handshake.
func newWebSocket(nc net.Conn, rd io.Reader, pre []byte, client bool, ext *pmd) *WebSocket {
	t := &WebSocket{
		nc:       nc,
		rd:       rd,
		pre:      pre,
		client:   client,
		ext:      ext,
		out:      NewOutbox(nc),
		notify:   func() {},
		readDone: make(chan struct{}),
		aborted:  make(chan struct{}),
	}
	if _, ok := nc.(*h2Stream); ok {
		t.out.dataOnly = true
	}
	t.sock = rawSocket(nc)
	_, t.plain = nc.(syscall.Conn)
	t.plain = t.plain && t.sock != nil
	t.direct = rawReads && t.plain && rd == io.Reader(nc)
	if t.direct {
		t.idleAfter, t.fresh = ParkAfter, ParkAfter > 0
	}
	t.src.t = t
	if ext != nil {
		t.infl = &inflater{noContext: ext.serverNoContext}
		t.defl = &deflater{noContext: ext.clientNoContext}
		if !client {
			t.infl.noContext = ext.clientNoContext
			t.defl.noContext = ext.serverNoContext
		}
	}
	return t
}

// rawSocket returns the socket under nc (under TLS too), or nil.
func rawSocket(nc net.Conn) syscall.RawConn {
	for {
		if sc, ok := nc.(syscall.Conn); ok {
			if rc, err := sc.SyscallConn(); err == nil {
				return rc
			}
			return nil
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		nc = u.NetConn()
	}
}

// Compressed reports whether permessage-deflate was negotiated.
func (t *WebSocket) Compressed() bool { return t.ext != nil }

// NetConn returns the connection the frames travel on.
func (t *WebSocket) NetConn() net.Conn { return t.nc }

// NotifyOutput is called by the engine before reading starts.
func (t *WebSocket) NotifyOutput(f func()) { t.notify = f }

// Send sends p as a whole message or the next fragment of one without
// waiting for the peer: what the socket does not take at once is kept and
// reported pending.
func (t *WebSocket) Send(typ MessageType, p []byte, final bool) (bool, error) {
	op := byte(typ)
	if t.fragOpen {
		op = opContinuation
	}
	rsv1 := false
	payload := p
	if t.ext != nil {
		if !t.fragOpen {
			t.fragCompressed = !final || len(p) >= t.ext.threshold
			rsv1 = t.fragCompressed
		}
		if t.fragCompressed {
			var err error
			if payload, err = t.defl.compress(p, final); err != nil {
				return false, err
			}
		}
	}
	t.fragOpen = !final
	return t.sendFrame(final, rsv1, op, payload)
}

// sendFrame sends one data frame: its header and payload in one writev for
// a server, masked in one buffer for a client.
func (t *WebSocket) sendFrame(final, rsv1 bool, op byte, payload []byte) (bool, error) {
	if !t.client {
		h := appendHeader(t.hdr[:0], final, rsv1, op, len(payload), false, 0)
		return t.out.Send(h, payload)
	}
	key := rand.Uint32()
	h := appendHeader(t.hdr[:0], final, rsv1, op, len(payload), true, key)
	return t.out.SendMasked(h, payload, key)
}

// Flush writes what Send and the control frames left pending, blocking.
func (t *WebSocket) Flush() error { return t.out.Flush() }

// Pending reports whether output waits for Flush.
func (t *WebSocket) Pending() bool { return t.out.Pending() }

// Write sends p and waits until the peer has taken it all.
func (t *WebSocket) Write(typ MessageType, p []byte, final bool) error {
	pending, err := t.Send(typ, p, final)
	if err == nil && pending {
		err = t.Flush()
	}
	return err
}

// control sends a control frame without waiting; what waits is flushed by
// the engine.
func (t *WebSocket) control(op byte, payload []byte) error {
	var f [maxHeaderSize + maxControlPayload]byte
	key := uint32(0)
	if t.client {
		key = rand.Uint32()
	}
	b := appendHeader(f[:0], true, false, op, len(payload), t.client, key)
	n := len(b)
	b = append(b, payload...)
	if t.client {
		maskBytes(key, 0, b[n:])
	}
	kind := ControlDroppable
	switch op {
	case opPong:
		kind = ControlLatest
	case opClose:
		kind = ControlMust
	}
	pending, err := t.out.SendControl(b, kind)
	if pending {
		t.notify()
	}
	return err
}

// Ping sends a ping; the reader notes what comes back (Heard).
func (t *WebSocket) Ping() error { return t.control(opPing, nil) }

// Heard counts the signs of life from the peer: the bytes read from it, and
// the bytes of ours that waited for it and that it has since taken (a ping
// queued behind a large message cannot be answered yet, but a peer that
// reads that message is alive).
func (t *WebSocket) Heard() uint64 { return t.heard.Load() + t.out.Drained() }

// Unread is the number of bytes the peer sent that wait unread in the
// kernel, or -1 when that cannot be known.
func (t *WebSocket) Unread() int { return unread(t.sock) }

// Close ends the connection: it sends what is pending, then the close frame
// (the peer's code echoed if the peer closed first; none if the peer just
// went away), and when this side began the close, waits for the peer's
// close frame. The engine's close grace bounds the whole by aborting.
func (t *WebSocket) Close(code StatusCode, reason string) error {
	if err := t.out.Flush(); err != nil {
		return err
	}
	if t.gone.Load() {
		return nil
	}
	var payload []byte
	if peer := t.peerClose.Load(); peer != nil {
		if peer.Code != StatusNoStatus {
			payload = appendClosePayload(nil, peer.Code, "")
		}
	} else {
		switch {
		case code == StatusNoStatus:
		case validCloseCode(code):
			payload = appendClosePayload(nil, code, reason)
		default:
			return nil // 1006, 1015 and the like are never sent
		}
	}
	if err := t.control(opClose, payload); err != nil {
		return err
	}
	if err := t.out.Flush(); err != nil {
		return err
	}
	select {
	case <-t.readDone: // the peer's close frame or its end
	case <-t.aborted:
	}
	return nil
}

// Abort closes the connection at once. Under TLS it closes the socket
// first: closing a tls.Conn tries to send an alert, which would wait for a
// peer that stopped reading.
func (t *WebSocket) Abort() {
	t.abortOnce.Do(func() { close(t.aborted) })
	if tc, ok := t.nc.(*tls.Conn); ok {
		_ = tc.NetConn().Close()
	}
	_ = t.nc.Close()
	if c, ok := t.rd.(io.Closer); ok && t.rd != io.Reader(t.nc) {
		_ = c.Close()
	}
}

// endRead records why reading ended; after it Close does not wait.
func (t *WebSocket) endRead(err error) {
	var ce *CloseError
	switch {
	case errors.As(err, &ce), errors.Is(err, ErrProtocol), errors.Is(err, ErrInvalidUTF8):
	default:
		t.gone.Store(true) // EOF or a broken connection: nobody to tell
	}
	t.readOnce.Do(func() { close(t.readDone) })
	if t.in != nil {
		putBuffer(t.in)
		t.in = nil
	}
	if t.infl != nil {
		t.infl.finish()
	}
}
