package conn

import (
	"errors"
	"fmt"
	"net"
	"net/http"
)

// ErrNotSupported is returned by a write the connection's transport cannot
// make, such as WriteTo on a stream or WriteHeader on a WebSocket.
var ErrNotSupported = errors.New("conn: not supported by this transport")

// PacketTransport is implemented by datagram transports (UDP), whose writes
// each go to an address.
type PacketTransport interface {
	Transport
	// WriteTo sends p as one datagram to addr. A datagram the kernel
	// accepts only in part is reported as a *ShortWriteError.
	WriteTo(p []byte, addr net.Addr) error
}

// HeaderTransport is implemented by transports that carry an HTTP response
// (a request bound to a callback mount): the status and headers are one
// write, the body follows in later writes.
type HeaderTransport interface {
	Transport
	WriteHeader(status int, h http.Header) error
}

// ShortWriteError reports a send that the transport took only in part.
type ShortWriteError struct {
	Written, Total int
}

// Error says how much was sent.
func (e *ShortWriteError) Error() string {
	return fmt.Sprintf("conn: short write: %d of %d bytes", e.Written, e.Total)
}

// WriteTo sends p as one datagram to addr (lws's sendto on a UDP
// connection). Like Write it is legal once per Writeable callback; it fails
// with ErrNotSupported on a stream transport.
func (c *Conn) WriteTo(p []byte, addr net.Addr) error {
	pt, ok := c.t.(PacketTransport)
	if !ok {
		return ErrNotSupported
	}
	c.txMu.Lock()
	defer c.txMu.Unlock()
	if err := c.takeWrite(); err != nil {
		return err
	}
	err := pt.WriteTo(p, addr) // a datagram does not wait for a peer
	if err == nil && c.cfg.obs != nil {
		c.cfg.obs.Sent(c, len(p), true)
	}
	return err
}

// WriteHeader sends an HTTP response's status and headers. It is a write of
// its own: the body goes in later Writeable callbacks, which makes the same
// code correct over HTTP/1 and HTTP/2. Like Write on such a transport it
// returns at once; the service goroutine sends it, and an error there
// (a bad status) ends the connection. It fails with ErrNotSupported on
// transports that are not HTTP.
func (c *Conn) WriteHeader(status int, h http.Header) error {
	ht, ok := c.t.(HeaderTransport)
	if !ok {
		return ErrNotSupported
	}
	c.txMu.Lock()
	defer c.txMu.Unlock()
	if err := c.takeWrite(); err != nil {
		return err
	}
	h = h.Clone()
	c.hold(heldWrite{op: func() error { return ht.WriteHeader(status, h) }})
	return nil
}
