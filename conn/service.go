package conn

import "time"

// serve is the service goroutine: it owns the connection. It runs
// Established, then starts the reader; it flushes output the transport
// could not take at once, runs the Writeable callbacks that RequestWritable
// asks for from anywhere once that output has drained, and closes the
// connection when a callback fails, Close or a timeout asks for the end, or
// the reader stops.
func (c *Conn) serve() {
	if h, ok := c.sess.(EstablishedHandler); ok {
		c.acquire()
		if err := c.established(h); err != nil {
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
	case <-c.flushReq.C():
		c.flush()
		return c.causeOf(nil) == nil
	case <-c.wantWrite.C():
		c.acquire()
		defer c.release()
		// The reader may have answered the request while we waited for
		// the token; then wantW is clear and there is nothing to do.
		// While output waits, the flush that drains it asks again.
		if !c.stopped && !c.busy.Load() && c.wantW.Swap(false) {
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
	c.own <- struct{}{}
	c.owned.Store(true)
}

// release gives the token back. A writeable asked for while it was held
// wakes the service goroutine now, unless it has been answered already.
func (c *Conn) release() {
	c.owned.Store(false)
	if c.wantW.Load() {
		c.wantWrite.Notify()
	}
	<-c.own
}

// teardown ends the connection: no callback runs after it begins; what
// waits to be sent goes out, then the transport's close (the WebSocket
// close handshake, during which the reader reads on and drops data so that
// the peer's close frame is seen), all bounded by the close grace; then the
// reader and timers stop, Closed runs and the connection leaves its Set. It
// runs once, at the end of serve.
func (c *Conn) teardown(cause error) {
	c.mu.Lock()
	c.ending = true
	if c.graceTimer == nil {
		c.graceTimer = time.AfterFunc(c.cfg.closeGrace, c.t.Abort)
	}
	c.mu.Unlock()

	c.acquire()
	c.stopped = true
	c.release()
	c.closing.Store(true)
	c.rx.Set(true) // the reader must see the peer's answer (SetRx knows)

	c.flush()
	code, reason := closeCodeFor(c.causeOf(nil))
	_ = c.t.Close(code, reason)
	c.t.Abort()
	close(c.done)
	<-c.readerExit

	c.mu.Lock()
	for _, t := range []*time.Timer{c.timeout, c.graceTimer, c.pingTimer, c.pongTimer} {
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
		c.closed(h, cause)
	}
	if c.cfg.set != nil {
		c.cfg.set.remove(c)
	}
}
