package conn

// read is the reader goroutine: it reads a chunk only while rx is on and
// delivers it to Receive only while rx is still on, so turning rx off stops
// reading after at most the one chunk in hand. It returns when the
// transport fails or the connection ends; during the close it reads on and
// drops what comes, so that the transport sees the peer's end.
func (c *Conn) read() {
	defer close(c.readerExit)
	for {
		if !c.rx.Wait(c.done) {
			return
		}
		c.reading.Store(true)
		in, err := c.t.ReadChunk(c.getRx)
		c.reading.Store(false)
		if err != nil {
			c.causeOf(err)
			return
		}
		if !c.deliver(in) {
			return
		}
		if in.Final && c.buf != nil {
			putBuffer(c.buf)
			c.buf = nil
		}
	}
}

// deliver runs Receive for in, and the writeable Receive asked for, while
// holding the ownership token. It reports false when the reader should
// stop.
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
		err := c.tooBig(in)
		if err == nil {
			err = c.receive(in)
		}
		if err == nil && !c.busy.Load() && c.wantW.Swap(false) {
			err = c.writeable()
		}
		if err != nil {
			c.stop(err)
		}
		c.release()
		return true
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
