package conn

import "time"

// The service goroutine runs only while it has something to do: events are
// bits of Conn.svc, and whoever posts one to a connection whose service
// goroutine is not running starts it. An idle connection has none.
const (
	evWrite    = 1 << iota // a Writeable was asked for
	evFlush                // output waits to be flushed
	evEnd                  // an end was asked for, or the reader stopped
	evTimer                // the connection's timer expired (SetTimer)
	svcRunning             // the service goroutine runs
	svcDone                // teardown has begun: no service goroutine starts again
)

// post records ev for the service goroutine, starting it if it is not
// running. It never blocks.
func (c *Conn) post(ev uint32) {
	if c.claim(ev) {
		go c.service()
	}
}

// claim records ev and reports whether the caller must run the service
// loop, which was not running.
func (c *Conn) claim(ev uint32) bool {
	for {
		old := c.svc.Load()
		if old&svcDone != 0 {
			return false
		}
		if c.svc.CompareAndSwap(old, old|ev|svcRunning) {
			return old&svcRunning == 0
		}
	}
}

// serve is the first run of the service goroutine: it runs Established,
// starts the reader, then serves events like any later run.
func (c *Conn) serve() {
	if h, ok := c.sess.(EstablishedHandler); ok {
		c.acquire()
		if err := c.established(h); err != nil {
			c.stop(err)
		}
		c.release()
	}
	go c.read()
	c.service()
}

// service is the service goroutine: it flushes output the transport could
// not take at once, runs the Writeable callbacks that RequestWritable asks
// for from anywhere once that output has drained, and closes the connection
// when a callback fails, Close or a timeout asks for the end, or the reader
// stops. It returns when no event waits.
func (c *Conn) service() {
	for {
		old := c.svc.Load()
		evs := old &^ (svcRunning | svcDone)
		if evs == 0 {
			if c.svc.CompareAndSwap(old, old&^svcRunning) {
				return // idle: a later post starts another
			}
			continue
		}
		if !c.svc.CompareAndSwap(old, old&^evs) {
			continue
		}
		if evs&evFlush != 0 {
			c.flush()
		}
		if evs&evWrite != 0 {
			c.runWriteable()
		}
		if evs&evTimer != 0 {
			c.runTimer()
		}
		if c.causeOf(nil) != nil {
			c.svc.Or(svcDone)
			c.teardown(c.causeOf(nil))
			return
		}
	}
}

// runWriteable runs the Writeable callback asked for, unless the reader has
// answered the request meanwhile or output still waits (the flush that
// drains it asks again).
func (c *Conn) runWriteable() {
	c.acquire()
	defer c.release()
	if !c.stopped && !c.busy.Load() && c.wantW.Swap(false) {
		if err := c.writeable(); err != nil {
			c.stop(err)
		}
	}
}

// stop records that a callback failed: no callback runs after it. The
// caller holds own.
func (c *Conn) stop(err error) {
	c.stopped = true
	c.causeOf(err)
	c.post(evEnd)
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
		c.post(evWrite)
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
		c.graceTimer = time.AfterFunc(c.cfg.closeGrace, c.cut)
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
	c.cut()
	close(c.done)
	<-c.readerExit

	c.mu.Lock()
	for _, t := range []*time.Timer{c.timeout, c.graceTimer, c.pingTimer, c.pongTimer, c.userTimer} {
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
	if c.cfg.obs != nil {
		if c.cfg.flowObs != nil {
			c.rxOn() // an rx-off period the close ended
		}
		c.cfg.obs.ConnClosed(c, code, cause)
	}
	if c.cfg.set != nil {
		c.cfg.set.remove(c)
	}
}
