package conn

import "time"

// serve is the service goroutine: it owns the connection. It runs
// Established, then starts the reader; it runs the Writeable callbacks that
// RequestWritable asks for from anywhere, and it closes the connection when
// a callback fails, Close or a timeout asks for the end, or the reader stops.
func (c *Conn) serve() {
	if h, ok := c.sess.(EstablishedHandler); ok {
		c.acquire()
		if err := h.Established(c); err != nil {
			c.stop(err)
		}
		c.release()
	}
	go c.read()
	for c.serveOnce() {
	}
	c.teardown(c.causeOf(ErrClosed))
}

// serveOnce waits for one event and handles it; it reports false once the
// connection is ending.
func (c *Conn) serveOnce() bool {
	select {
	case <-c.wantWrite.C():
		c.acquire()
		defer c.release()
		// The reader may have answered the request while we waited for
		// the token; then wantW is clear and there is nothing to do.
		if !c.stopped && c.wantW.Swap(false) {
			if err := c.writeable(); err != nil {
				c.stop(err)
			}
		}
		return !c.stopped
	case <-c.wake.C():
		return c.causeOf(nil) == nil
	case <-c.readerExit:
		return false
	}
}

// stop records that a callback failed: no callback runs after it. The
// caller holds own.
func (c *Conn) stop(err error) {
	c.stopped = true
	c.causeOf(err)
	c.wake.Notify()
}

// acquire takes the ownership token.
func (c *Conn) acquire() {
	c.own.Lock()
	c.owned.Store(true)
}

// release gives the token back. A writeable asked for while it was held
// wakes the service goroutine now, unless it has been answered already.
func (c *Conn) release() {
	c.owned.Store(false)
	if c.wantW.Load() {
		c.wantWrite.Notify()
	}
	c.own.Unlock()
}

// writeable runs the Writeable callback with one write permitted. The
// caller holds own.
func (c *Conn) writeable() error {
	c.writeState.Store(writeable)
	err := c.sess.Writeable(c)
	c.writeState.Store(notWriteable)
	return err
}

// teardown closes the transport, stops the reader and the timers, runs the
// Closed callback and leaves the Set. It runs once, at the end of serve.
func (c *Conn) teardown(cause error) {
	c.mu.Lock()
	c.ending = true
	if c.graceTimer == nil {
		// A callback stuck writing to a peer that does not read holds the
		// token; the abort frees it.
		c.graceTimer = time.AfterFunc(c.cfg.closeGrace, c.t.Abort)
	}
	c.mu.Unlock()

	c.acquire()
	c.stopped = true
	code, reason := closeCodeFor(cause)
	_ = c.t.Close(code, reason)
	c.release()
	c.t.Abort()
	close(c.done)
	<-c.readerExit

	c.mu.Lock()
	for _, t := range []*time.Timer{c.timeout, c.graceTimer, c.pingTimer} {
		if t != nil {
			t.Stop()
		}
	}
	c.mu.Unlock()
	c.pings.Wait()

	if c.buf != nil {
		putBuffer(c.buf)
		c.buf = nil
	}
	if h, ok := c.sess.(ClosedHandler); ok {
		h.Closed(c, cause)
	}
	if c.cfg.set != nil {
		c.cfg.set.remove(c)
	}
}
