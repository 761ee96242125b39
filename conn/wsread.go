package conn

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// wsReadSize is the pooled buffer frames are read into while data arrives
// (wsBulkReadSize while a large payload does: one system call then serves
// several chunks);
// an idle connection holds none.
const (
	wsReadSize     = 4096
	wsBulkReadSize = 64 << 10
)

// directReadMin is the least room in a chunk for which payload is read from
// the socket straight into it rather than through the read buffer.
const directReadMin = 1024

// ReadChunk returns the next piece of a message: what has arrived of the
// current frame, up to the buffer's size. Control frames are handled on the
// way: pings answered, pongs noted, a close frame returned as *CloseError.
func (t *WebSocket) ReadChunk(buf func() []byte) (Chunk, error) {
	in, err := t.readChunk(buf)
	if err != nil && err != ErrIdle {
		t.endRead(err)
	}
	return in, err
}

func (t *WebSocket) readChunk(buf func() []byte) (Chunk, error) {
	for {
		if !t.inFrame {
			if err := t.nextFrame(true); err != nil {
				return Chunk{}, err
			}
		}
		if t.compressed {
			return t.readInflated(buf)
		}
		if t.remain == 0 {
			t.inFrame = false
			if !t.cur.fin && !t.first {
				continue // an empty middle fragment says nothing
			}
			return t.chunk(nil, t.cur.fin)
		}
		b := buf()
		n := 0
		for n < len(b) {
			if t.remain == 0 {
				// The frame ended. A continuation already here joins
				// the chunk; nothing is waited for.
				if t.cur.fin || !t.nextBuffered() {
					break
				}
				continue
			}
			room := b[n:min(len(b), n+int(min(t.remain, int64(len(b)))))]
			if t.buffered() == 0 {
				if n > 0 {
					break // deliver what arrived before waiting for more
				}
				if len(room) >= directReadMin && len(t.pre) == 0 && !t.direct {
					m, err := t.readDirect(room)
					n += m
					if err != nil {
						return Chunk{}, unexpectedEOF(err)
					}
					continue
				}
				if err := t.fill(false); err != nil {
					return Chunk{}, unexpectedEOF(err)
				}
			}
			m := copy(room, (*t.in)[t.ir:t.iw])
			t.ir += m
			t.payload(room[:m])
			n += m
			t.release()
		}
		if t.remain == 0 && !t.cur.fin {
			t.nextBuffered() // an empty final fragment already here ends this chunk's message
		}
		final := t.remain == 0 && t.cur.fin
		if t.remain == 0 {
			t.inFrame = false
		}
		return t.chunk(b[:n], final)
	}
}

// nextBuffered starts the next frame if its header is already buffered and
// it continues the message uncompressed.
func (t *WebSocket) nextBuffered() bool {
	if t.buffered() == 0 {
		return false
	}
	h, size, err := parseHeader((*t.in)[t.ir:t.iw])
	if err != nil || size == 0 || h.opcode != opContinuation || t.check(h) != nil {
		return false // the next read reports any error
	}
	t.ir += size
	t.release()
	t.cur, t.remain, t.maskPos = h, h.length, 0
	return true
}

// ReadReady reports whether more of the current frame's payload has
// arrived, so that ReadChunk returns it at once.
func (t *WebSocket) ReadReady() bool {
	if !t.inFrame || t.compressed || t.remain == 0 {
		return false
	}
	return t.buffered() > 0 || len(t.pre) > 0 || (t.plain && unread(t.sock) > 0)
}

// payload unmasks p, which was just read from the current frame.
func (t *WebSocket) payload(p []byte) {
	if t.cur.masked {
		t.maskPos = maskBytes(t.cur.mask, t.maskPos, p)
	}
	t.remain -= int64(len(p))
}

// chunk makes the chunk of p, checking text as it goes.
func (t *WebSocket) chunk(p []byte, final bool) (Chunk, error) {
	in := Chunk{Type: t.msgType, Data: p, First: t.first, Final: final}
	t.first = false
	if final {
		t.msgType = 0
	}
	if in.Type == Text && !t.utf8.feed(p, final) {
		return Chunk{}, ErrInvalidUTF8
	}
	return in, nil
}

// nextFrame reads frame headers until a data frame starts, handling the
// control frames before it. mayIdle lets it return ErrIdle while it waits.
func (t *WebSocket) nextFrame(mayIdle bool) error {
	for {
		h, err := t.readHeader(mayIdle)
		if err != nil {
			return err
		}
		if err := t.check(h); err != nil {
			return err
		}
		if h.opcode >= opClose {
			if err := t.controlFrame(h); err != nil {
				return err
			}
			continue
		}
		if h.opcode != opContinuation {
			t.msgType, t.first, t.compressed = MessageType(h.opcode), true, h.rsv1
			t.utf8.reset()
		}
		t.cur, t.remain, t.maskPos, t.inFrame = h, h.length, 0, true
		return nil
	}
}

// check enforces RFC 6455's rules on a frame header.
func (t *WebSocket) check(h header) error {
	switch {
	case h.masked == t.client:
		if t.client {
			return protocolError("masked frame from the server")
		}
		return protocolError("unmasked frame from the client")
	case h.opcode >= opClose:
		switch {
		case h.opcode > opPong:
			return protocolError("reserved opcode %#x", h.opcode)
		case !h.fin:
			return protocolError("fragmented control frame")
		case h.length > maxControlPayload:
			return protocolError("control frame of %d bytes", h.length)
		case h.rsv1:
			return protocolError("RSV1 on a control frame")
		}
	case h.opcode > opBinary:
		return protocolError("reserved opcode %#x", h.opcode)
	case h.opcode == opContinuation:
		if t.msgType == 0 {
			return protocolError("continuation frame with no message in progress")
		}
		if h.rsv1 {
			return protocolError("RSV1 on a continuation frame")
		}
	default:
		if t.msgType != 0 {
			return protocolError("new message before the last one ended")
		}
		if h.rsv1 && t.ext == nil {
			return protocolError("RSV1 set without a negotiated extension")
		}
	}
	return nil
}

// controlFrame reads a control frame's payload and acts on it.
func (t *WebSocket) controlFrame(h header) error {
	var p [maxControlPayload]byte
	n := int(h.length)
	for t.buffered() < n {
		if err := t.fill(false); err != nil {
			return unexpectedEOF(err)
		}
	}
	if n > 0 {
		copy(p[:n], (*t.in)[t.ir:t.ir+n])
		t.ir += n
		t.release()
	}
	if h.masked {
		maskBytes(h.mask, 0, p[:n])
	}
	switch h.opcode {
	case opPing:
		return t.control(opPong, p[:n])
	case opPong:
		return nil // Heard has counted it
	}
	ce, err := parseClosePayload(p[:n])
	if err != nil {
		return err
	}
	t.peerClose.Store(ce)
	return ce
}

// readHeader reads the next frame header; mayIdle lets it return ErrIdle
// while nothing of the header has come.
func (t *WebSocket) readHeader(mayIdle bool) (header, error) {
	for {
		if t.buffered() > 0 {
			h, size, err := parseHeader((*t.in)[t.ir:t.iw])
			if err != nil {
				return h, err
			}
			if size > 0 {
				t.ir += size
				t.release()
				return h, nil
			}
		}
		if err := t.fill(mayIdle && t.buffered() == 0); err != nil {
			if t.buffered() > 0 && errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return header{}, err
		}
	}
}

// buffered is the number of bytes read and not yet parsed.
func (t *WebSocket) buffered() int { return t.iw - t.ir }

// release gives the read buffer back once it is empty.
func (t *WebSocket) release() {
	if t.in != nil && t.ir == t.iw {
		putBuffer(t.in)
		t.in, t.ir, t.iw = nil, 0, 0
	}
}

// fill reads more bytes into the read buffer, waiting for them. While it
// waits on a socket it holds no buffer. When mayIdle (between frames, with
// nothing buffered) and nothing comes for ParkAfter, it returns ErrIdle.
func (t *WebSocket) fill(mayIdle bool) error {
	if len(t.pre) > 0 {
		t.ensureBuffer()
		n := copy((*t.in)[t.iw:], t.pre)
		t.pre = t.pre[n:]
		t.iw += n
		return nil
	}
	for {
		var err error
		if t.in == nil && t.direct {
			// Read straight from the socket into a pooled buffer that is
			// given back while the socket has nothing, so an idle
			// connection holds none. Never through TLS: it may hold a
			// record already read while the socket has nothing.
			if mayIdle && t.fresh {
				// Nothing has come since the handshake: park at once
				// rather than hold a goroutine while the peer decides.
				t.fresh = false
				if err = t.fillRaw(true); err == errWouldBlock {
					return ErrIdle
				}
				return err
			}
			if mayIdle {
				t.armIdle()
			}
			err = t.fillRaw(false)
		} else {
			err = t.fillBuffered()
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			return err
		}
		t.disarmIdle()
		if mayIdle {
			return ErrIdle
		}
	}
}

// fillBuffered reads into the read buffer through rd. With no buffer held,
// a reader that can wait for input without one (an HTTP/2 stream) does so
// first, so that a connection waiting in it holds none.
func (t *WebSocket) fillBuffered() error {
	if w, ok := t.rd.(inputWaiter); ok && t.in == nil {
		if err := w.waitInput(); err != nil {
			return err
		}
	}
	t.ensureBuffer()
	for {
		n, err := t.rd.Read((*t.in)[t.iw:])
		t.iw += n
		t.heard.Add(uint64(n))
		if n > 0 {
			return nil
		}
		if err != nil {
			t.release()
			return err
		}
	}
}

// armIdle sets the read deadline that ends an idle wait, unless one far
// enough ahead is set already (a busy connection re-arms it seldom).
func (t *WebSocket) armIdle() {
	if t.idleAfter <= 0 {
		return
	}
	now := time.Now()
	if t.deadline.Sub(now) < t.idleAfter/2 {
		t.deadline = now.Add(t.idleAfter)
		_ = t.nc.SetReadDeadline(t.deadline)
	}
}

// disarmIdle clears the read deadline after it has passed.
func (t *WebSocket) disarmIdle() {
	t.deadline = time.Time{}
	_ = t.nc.SetReadDeadline(time.Time{})
}

// Watch waits, with no goroutine, for the socket to be readable (Parker).
func (t *WebSocket) Watch(ready func()) (func(), error) {
	if !t.direct {
		return nil, errors.ErrUnsupported
	}
	return watch(t.sock, ready)
}

// errWouldBlock is fillRaw's answer when it may not wait and the socket
// has nothing.
var errWouldBlock = errors.New("conn: nothing to read yet")

// fillRaw reads what the socket has into a new pooled buffer, waiting in
// the poller without one, unless nowait: then it returns errWouldBlock.
func (t *WebSocket) fillRaw(nowait bool) error {
	var rerr error
	err := t.sock.Read(func(fd uintptr) bool {
		b := getBuffer(t.readSize())
		for {
			n, err := readNonblock(fd, *b)
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN && nowait:
				putBuffer(b)
				rerr = errWouldBlock
			case err == syscall.EAGAIN:
				putBuffer(b)
				return false // wait until readable, holding nothing
			case err != nil:
				putBuffer(b)
				rerr = os.NewSyscallError("read", err)
			case n == 0:
				putBuffer(b)
				rerr = io.EOF
			default:
				t.in, t.ir, t.iw = b, 0, n
				t.heard.Add(uint64(n))
			}
			return true
		}
	})
	if err != nil {
		return err
	}
	return rerr
}

// ensureBuffer takes a read buffer if none is held and makes room at its end.
func (t *WebSocket) ensureBuffer() {
	if t.in == nil {
		t.in, t.ir, t.iw = getBuffer(wsReadSize), 0, 0
		return
	}
	if t.iw == len(*t.in) {
		t.iw = copy(*t.in, (*t.in)[t.ir:t.iw])
		t.ir = 0
	}
}

// readSize is the read buffer to take: a large one while a large payload
// is coming.
func (t *WebSocket) readSize() int {
	if t.inFrame && t.remain > wsReadSize {
		return wsBulkReadSize
	}
	return wsReadSize
}

// readDirect reads payload from the socket straight into p.
func (t *WebSocket) readDirect(p []byte) (int, error) {
	for {
		n, err := t.rd.Read(p)
		t.heard.Add(uint64(n))
		if n > 0 {
			t.payload(p[:n])
			return n, nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.disarmIdle() // an idle deadline armed between frames: not for here
			continue
		}
		if err != nil {
			return 0, err
		}
	}
}

// readInflated returns the next piece of a compressed message.
func (t *WebSocket) readInflated(buf func() []byte) (Chunk, error) {
	if t.infl.fr == nil {
		t.src.tail = 0
		t.infl.start(&t.src)
	}
	b := buf()
	n, err := t.infl.fr.Read(b)
	for err == nil && n < len(b) && (n == 0 || t.src.exhausted()) {
		// Once the source is used up no read waits: take what is left.
		var m int
		m, err = t.infl.fr.Read(b[n:])
		n += m
	}
	final := false
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF) && t.src.exhausted(), errors.Is(err, io.EOF):
		final = true
		if !t.src.exhausted() {
			if err := t.src.drain(); err != nil {
				return Chunk{}, err
			}
		}
	case t.src.err != nil:
		return Chunk{}, t.src.err
	default:
		return Chunk{}, fmt.Errorf("%w: %v", errBadDeflate, err)
	}
	t.infl.record(b[:n])
	if final {
		t.infl.finish()
		t.inFrame = false
	}
	return t.chunk(b[:n], final)
}

// errBadDeflate is the cause of a close when a compressed message cannot be
// decompressed; it closes with 1007 like invalid text.
var errBadDeflate = fmt.Errorf("%w: bad compressed data", ErrInvalidUTF8)

// inflateSource gives the decompressor the payload of the compressed message
// being read, frame after frame, and the tail RFC 7692 strips.
type inflateSource struct {
	t    *WebSocket
	tail int   // bytes of deflateTail given
	err  error // the error that ended the source, other than its end
}

// exhausted reports that the whole message, tail included, has been read.
func (s *inflateSource) exhausted() bool {
	return s.t.remain == 0 && s.t.cur.fin && s.tail == len(deflateTail)
}

func (s *inflateSource) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := s.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}

func (s *inflateSource) Read(p []byte) (int, error) {
	t := s.t
	for t.remain == 0 {
		if t.cur.fin {
			if s.tail == len(deflateTail) {
				return 0, io.EOF
			}
			n := copy(p, deflateTail[s.tail:])
			s.tail += n
			return n, nil
		}
		if err := t.nextFrame(false); err != nil {
			s.err = err
			return 0, err
		}
	}
	if t.buffered() == 0 {
		if err := t.fill(false); err != nil {
			s.err = unexpectedEOF(err)
			return 0, s.err
		}
	}
	n := copy(p[:min(int64(len(p)), t.remain)], (*t.in)[t.ir:t.iw])
	t.ir += n
	t.payload(p[:n])
	t.release()
	return n, nil
}

// drain skips what is left of a message whose compressed data ended early.
func (s *inflateSource) drain() error {
	var b [512]byte
	for !s.exhausted() {
		if _, err := s.Read(b[:]); err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// unexpectedEOF turns the end of input inside a frame into an error saying so.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
