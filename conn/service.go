package conn

import "time"

// serve is the service goroutine: it owns the connection, runs the Session's
// callbacks one at a time and performs the writes, until a callback fails,
// Close or a timeout asks for the end, or the reader stops.
func (c *Conn) serve() {
	var err error
	if h, ok := c.sess.(EstablishedHandler); ok {
		err = h.Established(c)
	}
	for err == nil {
		select {
		case in := <-c.rxCh:
			err = c.sess.Receive(c, in)
			c.rxDone <- struct{}{}
			// A Receive that asked for a writeable usually gets it at once:
			// take it here rather than through another select.
			if err == nil && c.wantWrite.Pending() {
				err = c.writeable()
			}
		case <-c.wantWrite.C():
			err = c.writeable()
		case <-c.wake.C():
			err = c.causeOf(nil)
		case <-c.readerExit:
			err = c.causeOf(ErrClosed)
		}
	}
	c.teardown(c.causeOf(err))
}

// writeable runs the Writeable callback with one write permitted.
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
		c.graceTimer = time.AfterFunc(c.cfg.closeGrace, c.t.Abort)
	}
	c.mu.Unlock()

	code, reason := closeCodeFor(cause)
	_ = c.t.Close(code, reason)
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
