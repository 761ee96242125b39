package conn

import (
	"errors"
	"net"
	"time"
)

// Dead-peer detection. Anything read from the peer proves it alive (lws's
// validity), a pong as much as data: a ping goes out every PingInterval, and
// PongTimeout later the peer must have been heard since. While the reader
// cannot read (a slow callback, rx off, a consumer that holds it), bytes
// that wait unread in the kernel count too: the peer sent them and we are
// the ones not reading. A silent peer is thus found within PingInterval +
// PongTimeout whatever rx is doing; a live one is kept however slow its
// callbacks are.

// ping runs on a timer goroutine: it sends a ping and arms the pong check.
func (c *Conn) ping() {
	if !c.pingRun() {
		return
	}
	defer c.pings.Done()

	p := c.t.(Pinger)
	heard := p.Heard()
	if err := p.Ping(); err != nil {
		if !errors.Is(err, net.ErrClosed) {
			c.abort(err)
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ending {
		return
	}
	c.pingHeard = heard
	if c.pongTimer == nil {
		c.pongTimer = time.AfterFunc(c.cfg.pongTimeout, c.checkPong)
	} else {
		c.pongTimer.Reset(c.cfg.pongTimeout)
	}
}

// checkPong runs PongTimeout after a ping: it closes a peer not heard since
// and otherwise schedules the next ping.
func (c *Conn) checkPong() {
	if !c.pingRun() {
		return
	}
	defer c.pings.Done()
	c.mu.Lock()
	heard := c.pingHeard
	c.mu.Unlock()

	if !c.alive(heard) {
		c.abort(ErrPongTimeout)
		return
	}
	c.mu.Lock()
	if !c.ending {
		c.pingTimer.Reset(max(c.cfg.pingInterval-c.cfg.pongTimeout, 0))
	}
	c.mu.Unlock()
}

// pingRun lets a ping timer's callback run unless the connection is
// ending; teardown waits for the callbacks it let run (pings.Done).
func (c *Conn) pingRun() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ending {
		return false
	}
	c.pings.Add(1)
	return true
}

// alive reports whether the peer has shown life since the transport had
// heard the given amount.
func (c *Conn) alive(heard uint64) bool {
	p := c.t.(Pinger)
	if p.Heard() != heard {
		return true
	}
	switch n := p.Unread(); {
	case n > 0:
		return true // sent, waiting for us to read it
	case n < 0:
		// Unknown: judge only while the reader is there to read a pong.
		return !c.reading.Load()
	}
	return false
}
