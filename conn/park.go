package conn

import (
	"errors"
	"time"
)

// Parking. An idle connection waits for input with no goroutine at all:
// when a Parker transport has had no input for ParkAfter between messages,
// its ReadChunk returns ErrIdle, the reader hands the socket to a watcher
// shared by all connections (epoll on Linux) and ends; the watcher starts a
// new reader when input, the peer's end or an error arrives. Cutting the
// connection wakes a parked reader too, which then finds the socket closed.
// With the service goroutine also started only on demand, an idle
// connection costs its structures and nothing else.

// ErrIdle is returned by a Parker's ReadChunk when nothing has arrived
// for a while between messages: the engine parks the connection.
var ErrIdle = errors.New("conn: idle")

// Parker is implemented by transports whose connections can wait for
// input with no goroutine. Watch arranges for ready to be called once,
// from another goroutine, when input (or the end of the connection)
// arrives, and returns a function that cancels the wait (safe to call more
// than once, and after ready); it fails when the transport cannot be
// watched (closed, or no watcher on this system), and then the reader
// reads on.
type Parker interface {
	Watch(ready func()) (cancel func(), err error)
}

// ParkAfter is how long a WebSocket connection waits for input between
// messages before its reader parks. It is read when a connection starts.
var ParkAfter = time.Second

// Reader states.
const (
	rdRunning int32 = iota
	rdParked
)

// park hands the connection to the watcher. It reports false when the
// reader must go on reading in this goroutine instead.
func (c *Conn) park() bool {
	p, ok := c.t.(Parker)
	if !ok {
		return false
	}
	c.rdState.Store(rdParked)
	cancel, err := p.Watch(c.unpark)
	if err != nil {
		// Read on here, unless a cut already started another reader.
		return !c.rdState.CompareAndSwap(rdParked, rdRunning)
	}
	c.unwatch.Store(&cancel)
	if c.rdState.Load() != rdParked {
		cancel() // unparked before cancel was stored: drop the wait here
	}
	return true
}

// unpark starts a reader for a parked connection; it does nothing unless
// the connection is parked, so the watcher and a cut may both call it.
func (c *Conn) unpark() {
	if c.rdState.CompareAndSwap(rdParked, rdRunning) {
		if cancel := c.unwatch.Swap(nil); cancel != nil {
			(*cancel)()
		}
		go c.read()
	}
}
