package conn

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

var noDeadline time.Time

// maxControlBacklog bounds the control frames an Outbox keeps while data is
// pending: a few frames of at most 127 bytes each.
const maxControlBacklog = 4 * 131

// Outbox sends bytes to a stream without ever waiting for the peer: Send
// writes what the socket takes at once and keeps the rest, which Flush
// writes, blocking, from the engine's service goroutine. It is lws's
// partial-send buffer: the memory it holds is the unsent part of the one
// message being written, plus a few small control frames.
//
// Send, SendControl and Pending are safe from any goroutine; one Flush runs
// at a time (the engine's service goroutine), and while it writes, output
// given to Send or SendControl is queued behind it, so frames never
// interleave.
type Outbox struct {
	w  io.Writer       // blocking writes (Flush)
	rc syscall.RawConn // non-blocking attempts; nil: everything is kept for Flush

	mu       sync.Mutex
	data     []byte // unsent bytes, frames in order
	ctrl     []byte // control frames to send once data is out
	pong     []byte // the latest pong waiting, sent before ctrl
	flushing bool   // Flush is writing outside mu
	drained  uint64 // bytes Flush has written: kept output the peer took
	// dataOnly counts only data in drained: on a transport where a write
	// returning says nothing of the peer for small frames (an HTTP/2
	// stream with window to spare), our own pings must not count as its
	// signs of life.
	dataOnly bool
	err      error // the first write error: every later call fails with it
}

// NewOutbox returns an Outbox writing to w. When w (or what it wraps, for a
// connection that exposes it) gives raw access to a socket, sends are tried
// without blocking; otherwise (TLS, files that the poller cannot wait on)
// every send is kept and written by Flush.
func NewOutbox(w io.Writer) *Outbox {
	o := &Outbox{w: w}
	if sc, ok := w.(syscall.Conn); ok && pollable(w) {
		if rc, err := sc.SyscallConn(); err == nil {
			o.rc = rc
		}
	}
	return o
}

// pollable reports whether w's descriptor is in non-blocking mode under
// Go's poller: sockets always are; an *os.File only when deadlines work.
func pollable(w io.Writer) bool {
	if f, ok := w.(*os.File); ok {
		return f.SetWriteDeadline(noDeadline) == nil
	}
	return true
}

// Send writes bufs, in order, as far as the peer takes them now and keeps
// the rest. It reports whether anything is left for Flush.
func (o *Outbox) Send(bufs ...[]byte) (pending bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return false, o.err
	}
	if o.flushing || len(o.data) > 0 || len(o.ctrl) > 0 || len(o.pong) > 0 || o.rc == nil {
		o.keep(bufs, 0)
		return true, nil
	}
	n, err := o.try(bufs)
	if err != nil {
		o.err = err
		return false, err
	}
	o.keep(bufs, n)
	return len(o.data) > 0, nil
}

// SendMasked is Send of a client's frame: hdr, then payload masked with
// key. The caller's payload is left as it is; it is copied once, into the
// kept output when output is kept anyway (TLS, an HTTP/2 stream, a busy
// socket), else into a pooled buffer for the non-blocking write.
func (o *Outbox) SendMasked(hdr, payload []byte, key uint32) (pending bool, err error) {
	o.mu.Lock()
	if o.err == nil && (o.flushing || len(o.data) > 0 || len(o.ctrl) > 0 || len(o.pong) > 0 || o.rc == nil) {
		defer o.mu.Unlock()
		o.keep([][]byte{hdr, payload}, 0)
		maskBytes(key, 0, o.data[len(o.data)-len(payload):])
		return true, nil
	}
	o.mu.Unlock()
	b := getBuffer(len(hdr) + len(payload))
	defer putBuffer(b)
	n := copy(*b, hdr)
	copy((*b)[n:], payload)
	maskBytes(key, 0, (*b)[n:])
	return o.Send(*b)
}

// keep appends bufs, less their first n bytes, to the data to send. The
// caller holds mu.
func (o *Outbox) keep(bufs [][]byte, n int) {
	need := -n
	for _, b := range bufs {
		need += len(b)
	}
	if need <= 0 {
		return
	}
	if o.data == nil { // from the shared pool: an idle connection keeps none
		o.data = (*getBuffer(need))[:0]
	}
	for _, b := range bufs {
		if n >= len(b) {
			n -= len(b)
			continue
		}
		o.data = append(o.data, b[n:]...)
		n = 0
	}
}

// ControlKind says what becomes of a control frame that must wait behind
// pending output.
type ControlKind int

const (
	// ControlDroppable frames (pings) are dropped past a small backlog: a
	// peer that reads nothing needs no more of them.
	ControlDroppable ControlKind = iota
	// ControlLatest frames (pongs) wait one at a time: a newer one
	// replaces the one waiting (RFC 6455 lets a pong answer only the most
	// recent ping).
	ControlLatest
	// ControlMust frames (the close) are always sent, after the others.
	ControlMust
)

// SendControl sends a control frame between frames: at once if nothing is
// pending, else after the pending data, as kind says. It never blocks, and
// it reports whether the frame (or part of it) waits for Flush.
func (o *Outbox) SendControl(frame []byte, kind ControlKind) (pending bool, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return false, o.err
	}
	if o.flushing || len(o.data) > 0 || len(o.ctrl) > 0 || len(o.pong) > 0 || o.rc == nil {
		switch {
		case kind == ControlLatest:
			o.pong = append(o.pong[:0], frame...)
		case kind == ControlMust || len(o.ctrl)+len(frame) <= maxControlBacklog:
			o.ctrl = append(o.ctrl, frame...)
		}
		return true, nil
	}
	n, err := o.try([][]byte{frame})
	if err != nil {
		o.err = err
		return false, err
	}
	if n < len(frame) {
		o.keep([][]byte{frame}, n) // a frame begun must be finished first
		return true, nil
	}
	return false, nil
}

// Drained is the number of kept bytes Flush has written so far: output that
// waited for the peer and that the peer has since taken.
func (o *Outbox) Drained() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.drained
}

// Pending reports whether anything waits to be written.
func (o *Outbox) Pending() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.flushing || len(o.data) > 0 || len(o.ctrl) > 0 || len(o.pong) > 0
}

// Flush writes everything kept, blocking until the peer has taken it or the
// connection fails (an Abort closing the socket ends it at once).
func (o *Outbox) Flush() error {
	o.mu.Lock()
	if o.flushing {
		o.mu.Unlock()
		return errors.New("conn: concurrent Outbox.Flush")
	}
	o.flushing = true
	for o.err == nil && (len(o.data) > 0 || len(o.ctrl) > 0 || len(o.pong) > 0) {
		var out []byte
		count := !o.dataOnly // whether the bytes count as drained
		data := false
		switch {
		case len(o.data) > 0:
			out, o.data = o.data, nil
			count, data = true, true
		case len(o.pong) > 0:
			out, o.pong = o.pong, nil
		default:
			out, o.ctrl = o.ctrl, nil
		}
		o.mu.Unlock()
		err := o.write(out, count)
		o.mu.Lock()
		if err != nil && o.err == nil {
			o.err = err
		}
		if data { // nothing else points into it now
			b := out[:0]
			putBuffer(&b) // only if it is still the pool's size
		}
	}
	o.flushing = false
	err := o.err
	o.mu.Unlock()
	return err
}

// flushPiece bounds one blocking write of Flush, so that Drained shows the
// peer's progress through a large message.
const flushPiece = 64 << 10

// write writes out in pieces, counting each as drained if count is set.
func (o *Outbox) write(out []byte, count bool) error {
	for len(out) > 0 {
		n, err := o.w.Write(out[:min(len(out), flushPiece)])
		out = out[n:]
		if count {
			o.mu.Lock()
			o.drained += uint64(n)
			o.mu.Unlock()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// try makes one non-blocking write of bufs and returns how much the socket
// took. A full socket is not an error: it took 0 bytes.
func (o *Outbox) try(bufs [][]byte) (int, error) {
	var n int
	var werr error
	err := o.rc.Write(func(fd uintptr) bool {
		for {
			n, werr = writev(fd, bufs)
			if werr == syscall.EINTR {
				continue
			}
			if werr == syscall.EAGAIN {
				n, werr = 0, nil
			}
			return true
		}
	})
	if err == nil {
		err = werr
	}
	if err != nil {
		return n, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("writev", err)}
	}
	return n, nil
}
