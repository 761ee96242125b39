package raw

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/golws/lws/conn"
)

// Socket is the Transport of a raw stream connection over a net.Conn (lws's
// RAW_RX / RAW_WRITEABLE / RAW_CLOSE on a socket). Each read is delivered as
// one Binary chunk with First and Final set; Write writes the bytes as they
// are. Close and Abort both close the socket.
//
// While the connection is idle it holds no receive buffer: on sockets that
// expose their descriptor (TCP, Unix) it waits for input before asking the
// engine for one.
type Socket struct {
	nc    net.Conn
	first []byte          // delivered before anything is read; owned by the reader
	rc    syscall.RawConn // nil: no descriptor, read directly
	wait  func(fd uintptr) bool
	out   *conn.Outbox
	idle  time.Duration // the idle timeout; zero: none
}

// ErrIdleTimeout is matched (errors.Is) by the read error of a Socket
// whose peer sent nothing within its idle timeout (SetIdleTimeout).
var ErrIdleTimeout = errors.New("raw: no input within the idle timeout")

// SetIdleTimeout makes the socket fail a read that waits longer than d for
// input (with an error matching ErrIdleTimeout and os.ErrDeadlineExceeded),
// which closes its connection. Each read starts the wait anew, so only
// silence while the engine reads counts, not time with rx off. Zero or
// negative means no limit, the default. Call it before the socket is
// adopted.
func (s *Socket) SetIdleTimeout(d time.Duration) { s.idle = max(d, 0) }

var (
	_ conn.Transport = (*Socket)(nil)
	_ conn.Sender    = (*Socket)(nil)
)

// NewSocket wraps nc. first, if not empty, is delivered as the connection's
// first input before anything is read from nc: the bytes a sniffer already
// took off the wire. NewSocket takes ownership of nc.
func NewSocket(nc net.Conn, first []byte) *Socket {
	s := &Socket{nc: nc, first: first, out: conn.NewOutbox(nc)}
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			s.rc = rc
			s.wait = waitReadable
		}
	}
	return s
}

// Conn returns the wrapped connection.
func (s *Socket) Conn() net.Conn { return s.nc }

// ReadChunk returns the first bytes, then whatever one read of the socket
// gives, up to the buffer's size.
func (s *Socket) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	if len(s.first) > 0 {
		b := buf()
		n := copy(b, s.first)
		s.first = s.first[n:]
		return chunk(b[:n]), nil
	}
	if s.idle > 0 {
		if err := s.nc.SetReadDeadline(time.Now().Add(s.idle)); err != nil {
			return conn.Chunk{}, err
		}
	}
	if s.rc != nil {
		// Wait without a buffer; an error here (closed, or the idle
		// deadline) shows in the read.
		_ = s.rc.Read(s.wait)
	}
	b := buf()
	n, err := s.nc.Read(b)
	if n > 0 {
		// A read that returns data and an error: deliver the data now; the
		// error comes back on the next read.
		return chunk(b[:n]), nil
	}
	if s.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w (%v): %w", ErrIdleTimeout, s.idle, err)
	}
	return conn.Chunk{}, err
}

// waitReadable is the RawConn.Read callback that only waits: it peeks one
// byte and asks the poller to wait while there is none.
func waitReadable(fd uintptr) bool {
	var one [1]byte
	for {
		_, _, err := syscall.Recvfrom(int(fd), one[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN):
			return false
		}
		// Data, EOF, or an error (ENOTSOCK too): the read that follows
		// reports it.
		return true
	}
}

func chunk(p []byte) conn.Chunk {
	return conn.Chunk{Type: conn.Binary, Data: p, First: true, Final: true}
}

// Send writes what the socket takes of p at once and keeps the rest for
// Flush; message types and boundaries do not exist on a raw socket.
func (s *Socket) Send(_ conn.MessageType, p []byte, _ bool) (bool, error) {
	return s.out.Send(p)
}

// Flush writes what Send kept, waiting for the peer to take it.
func (s *Socket) Flush() error { return s.out.Flush() }

// Pending reports whether output waits for Flush.
func (s *Socket) Pending() bool { return s.out.Pending() }

// WriteAllowance is the room left in the socket's send buffer, or -1.
func (s *Socket) WriteAllowance() int { return s.out.WriteAllowance() }

// Write writes p, waiting for the peer to take it all.
func (s *Socket) Write(typ conn.MessageType, p []byte, final bool) error {
	pending, err := s.Send(typ, p, final)
	if err == nil && pending {
		err = s.Flush()
	}
	return err
}

// Close closes the socket; the code and reason have no meaning here.
func (s *Socket) Close(conn.StatusCode, string) error {
	err := s.nc.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Abort closes the socket, unblocking a pending read or write. It is safe
// from any goroutine and idempotent.
func (s *Socket) Abort() { _ = s.nc.Close() }
