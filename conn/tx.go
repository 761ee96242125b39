package conn

// markBusy records that output waits for the service goroutine to flush
// it; no Writeable runs until it has drained. The caller holds txMu.
func (c *Conn) markBusy() {
	if c.cfg.flowObs != nil {
		c.busySince()
	}
	c.busy.Store(true)
	c.post(evFlush)
}

// heldWrite is a write kept for a transport that is not a Sender.
type heldWrite struct {
	buf   *[]byte      // the copy of a Write's data
	typ   MessageType  // and its type
	final bool         // and whether it ends the message
	op    func() error // any other write (WriteHeader), instead of buf
}

// hold keeps a write for a transport that is not a Sender: the service
// goroutine makes it, so the callback never waits on the peer. The caller
// holds txMu.
func (c *Conn) hold(w heldWrite) {
	c.held = w
	c.markBusy()
}

// outputWaits is given to OutputNotifier transports: output of their own
// (a pong) waits to be flushed.
func (c *Conn) outputWaits() {
	c.txMu.Lock()
	c.markBusy()
	c.txMu.Unlock()
}

// flush writes what waits, blocking until the peer has taken it, then lets
// the next Writeable come. It runs in the service goroutine. A failed write
// ends the connection.
func (c *Conn) flush() {
	var err error
	if c.sender != nil {
		err = c.sender.Flush()
	}
	c.txMu.Lock()
	w := c.held
	c.held = heldWrite{}
	c.txMu.Unlock()
	// The only write in flight: nothing else writes while busy.
	switch {
	case w.op != nil:
		err = w.op()
	case w.buf != nil:
		err = c.t.Write(w.typ, *w.buf, w.final)
		putBuffer(w.buf)
	}
	c.txMu.Lock()
	// Output queued after Flush returned (a pong) keeps the connection
	// busy; its own flush request is pending.
	busy := err == nil && c.sender != nil && c.sender.Pending()
	c.busy.Store(busy)
	c.txMu.Unlock()
	if !busy && c.cfg.flowObs != nil {
		c.drained()
	}
	if err != nil {
		c.abort(err)
		return
	}
	if c.wantW.Load() {
		c.post(evWrite)
	}
}
