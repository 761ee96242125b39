package conn

// Allowancer is implemented by transports that know how much they can take
// without waiting: a socket's free send buffer, a stream's flow-control
// window.
type Allowancer interface {
	WriteAllowance() int
}

// WriteAllowance tells how many bytes the transport can take now without
// holding any back (lws_get_peer_write_allowance): 0 while earlier output
// still waits to drain, -1 when the transport cannot tell. A Writeable
// callback with a large amount to send can size its write with it.
func (c *Conn) WriteAllowance() int {
	if c.busy.Load() {
		return 0
	}
	if a, ok := c.t.(Allowancer); ok {
		return a.WriteAllowance()
	}
	return -1
}

// WriteAllowance is the room left in the socket's send buffer, or -1.
func (t *WebSocket) WriteAllowance() int { return sendRoom(t.sock) }

// WriteAllowance is the room left in the socket's send buffer, or -1.
func (o *Outbox) WriteAllowance() int { return sendRoom(o.rc) }
