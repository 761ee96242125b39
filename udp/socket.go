package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"

	"github.com/golws/lws/conn"
)

// ErrNoPeer is returned by Write on a socket that is not connected to a
// peer: an unconnected UDP socket sends only with WriteTo.
var ErrNoPeer = errors.New("udp: Write on a socket with no peer; use WriteTo")

// Socket is the Transport of a UDP socket (or any net.PacketConn). A
// datagram longer than the rx buffer is cut to its size by the kernel;
// Truncated counts those (on *net.UDPConn), and a protocol that receives
// large datagrams sets its RxBufferSize up to 65536.
type Socket struct {
	pc        net.PacketConn
	udp       *net.UDPConn // pc, when it is one
	truncated atomic.Uint64
}

var (
	_ conn.Transport       = (*Socket)(nil)
	_ conn.PacketTransport = (*Socket)(nil)
	_ conn.Sender          = (*Socket)(nil)
)

// New wraps pc, taking ownership of it.
func New(pc net.PacketConn) *Socket {
	s := &Socket{pc: pc}
	s.udp, _ = pc.(*net.UDPConn)
	return s
}

// PacketConn returns the wrapped socket.
func (s *Socket) PacketConn() net.PacketConn { return s.pc }

// Truncated is the number of datagrams received longer than the rx buffer,
// whose end was lost.
func (s *Socket) Truncated() uint64 { return s.truncated.Load() }

// ReadChunk returns the next datagram, with its sender's address.
func (s *Socket) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	b := buf()
	if s.udp != nil {
		n, _, flags, ap, err := s.udp.ReadMsgUDPAddrPort(b, nil)
		if err != nil {
			return conn.Chunk{}, err
		}
		if flags&syscall.MSG_TRUNC != 0 {
			s.truncated.Add(1)
		}
		return datagram(b[:n], net.UDPAddrFromAddrPort(ap)), nil
	}
	n, addr, err := s.pc.ReadFrom(b)
	if err != nil {
		return conn.Chunk{}, err
	}
	return datagram(b[:n], copyAddr(addr)), nil
}

func datagram(p []byte, from net.Addr) conn.Chunk {
	return conn.Chunk{Type: conn.Binary, Data: p, First: true, Final: true, Addr: from}
}

// copyAddr copies the address types whose contents a PacketConn might
// reuse; other net.Addr values are taken to be immutable.
func copyAddr(a net.Addr) net.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		return &net.UDPAddr{IP: append(net.IP(nil), a.IP...), Port: a.Port, Zone: a.Zone}
	case *net.IPAddr:
		return &net.IPAddr{IP: append(net.IP(nil), a.IP...), Zone: a.Zone}
	case *net.UnixAddr:
		c := *a
		return &c
	}
	return a
}

// WriteTo sends p as one datagram to addr. An error is returned as it is;
// a datagram sent only in part is a *conn.ShortWriteError.
func (s *Socket) WriteTo(p []byte, addr net.Addr) error {
	var n int
	var err error
	if ua, ok := addr.(*net.UDPAddr); ok && s.udp != nil {
		n, err = s.udp.WriteToUDPAddrPort(p, addrPort(ua))
	} else {
		n, err = s.pc.WriteTo(p, addr)
	}
	return sent(n, len(p), err)
}

// addrPort converts a, keeping an IPv4 address in its 4-byte form so that
// it is sent over an IPv4 socket.
func addrPort(a *net.UDPAddr) netip.AddrPort {
	ip, _ := netip.AddrFromSlice(a.IP)
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	return netip.AddrPortFrom(ip.WithZone(a.Zone), uint16(a.Port))
}

// Write sends p as one datagram to the peer of a connected socket (one
// made with net.DialUDP); otherwise it fails with ErrNoPeer.
func (s *Socket) Write(_ conn.MessageType, p []byte, _ bool) error {
	w, ok := s.pc.(interface {
		Write([]byte) (int, error)
		RemoteAddr() net.Addr
	})
	if !ok || w.RemoteAddr() == nil {
		return ErrNoPeer
	}
	n, err := w.Write(p)
	return sent(n, len(p), err)
}

// Send sends p as Write does: a datagram is never kept, since no peer
// holds a UDP sender back (the kernel drops what it cannot queue).
func (s *Socket) Send(typ conn.MessageType, p []byte, final bool) (bool, error) {
	return false, s.Write(typ, p, final)
}

// Flush has nothing to do: Send keeps nothing.
func (s *Socket) Flush() error { return nil }

// Pending is always false: Send keeps nothing.
func (s *Socket) Pending() bool { return false }

func sent(n, total int, err error) error {
	if err != nil {
		return fmt.Errorf("udp: send of %d bytes: %w", total, err)
	}
	if n < total {
		return &conn.ShortWriteError{Written: n, Total: total}
	}
	return nil
}

// Close closes the socket.
func (s *Socket) Close(conn.StatusCode, string) error {
	err := s.pc.Close()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Abort closes the socket. It is safe from any goroutine and idempotent.
func (s *Socket) Abort() { _ = s.pc.Close() }
