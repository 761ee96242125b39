package conn

// read is the reader goroutine: it reads a chunk only while rx is on and
// delivers it to Receive only while rx is still on, so turning rx off stops
// reading after at most the one chunk in hand. It returns when the
// transport fails or the connection ends; during the close it reads on and
// drops what comes, so that the transport sees the peer's end. Between
// messages, a Parker transport may let it park: the goroutine ends, and a
// new one starts when input comes (park.go).
func (c *Conn) read() {
	for {
		if !c.rx.Wait(c.done) {
			c.readerDone()
			return
		}
		c.reading.Store(true)
		in, err := c.t.ReadChunk(c.getRx)
		c.reading.Store(false)
		if err == ErrIdle {
			if c.park() {
				return
			}
			continue
		}
		if err != nil {
			c.causeOf(err)
			c.readerDone()
			return
		}
		if !c.deliver(in) {
			c.readerDone()
			return
		}
	}
}

// readerDone records that reading has ended for good. The reader's
// goroutine, which is ending, serves the end itself when no service
// goroutine runs: closing many connections at once then costs one
// goroutine each, not two.
func (c *Conn) readerDone() {
	close(c.readerExit)
	if c.claim(evEnd) {
		c.service()
	}
}

// deliver runs Receive for in while holding the ownership token, then the
// writeable Receive asked for. It reports false when the reader should
// stop.
//
// In one turn with the token it goes on delivering what the transport has
// already received of the same frame (a ReadyReader says so), up to
// turnBudget bytes, so that a reader with small chunks is not outpaced by
// a writer sending large messages in its own turns.
func (c *Conn) deliver(in Chunk) bool {
	for {
		if !c.rx.Wait(c.done) {
			return false
		}
		if c.closing.Load() {
			return true // dropped: the connection is closing
		}
		c.acquire()
		if c.stopped {
			c.release()
			return true // the close that follows needs the reader
		}
		if !c.rx.IsOpen() {
			c.release() // turned off while we waited for the token
			continue
		}
		err, readErr := c.receiveTurn(in)
		if err == nil && readErr == nil && !c.busy.Load() && c.wantW.Swap(false) {
			err = c.writeable()
		}
		if err != nil {
			c.stop(err)
		}
		if readErr != nil {
			c.causeOf(readErr)
		}
		c.release()
		return readErr == nil
	}
}

// turnBudget bounds what one turn of the reader delivers.
const turnBudget = 64 << 10

// receiveTurn delivers in, and what follows it without waiting, to Receive.
// It returns a callback's error, or the transport's if a read in the turn
// failed. The caller holds own.
func (c *Conn) receiveTurn(in Chunk) (err, readErr error) {
	for n := 0; ; {
		if err := c.tooBig(in); err != nil {
			return err, nil
		}
		if c.cfg.obs != nil {
			c.cfg.obs.Received(c, len(in.Data), in.Final)
		}
		if err := c.receive(in); err != nil {
			return err, nil
		}
		n += len(in.Data)
		if in.Final && c.buf != nil {
			putBuffer(c.buf)
			c.buf = nil
		}
		if c.ready == nil || n >= max(turnBudget, c.cfg.rxSize) || !c.rx.IsOpen() || !c.ready.ReadReady() {
			return nil, nil
		}
		if in, readErr = c.t.ReadChunk(c.getRx); readErr != nil {
			return nil, readErr
		}
	}
}

// tooBig counts the message's size and fails once it passes
// Options.MaxMessageSize.
func (c *Conn) tooBig(in Chunk) error {
	if in.First {
		c.msgSize = 0
	}
	c.msgSize += int64(len(in.Data))
	if c.cfg.maxMessage > 0 && c.msgSize > c.cfg.maxMessage {
		return ErrMessageTooBig
	}
	return nil
}

// buffer returns the reader's receive buffer, taking one from the pool when
// a message starts.
func (c *Conn) buffer() []byte {
	if c.buf == nil {
		c.buf = getBuffer(c.cfg.rxSize)
	}
	return *c.buf
}
