package conn

// read is the reader goroutine: it reads a chunk only while rx is on and
// delivers it to Receive only while rx is still on, so turning rx off stops
// reading after at most the one chunk in hand. It returns when the
// transport fails or the connection ends.
func (c *Conn) read() {
	defer close(c.readerExit)
	for {
		if !c.rx.Wait(c.done) {
			return
		}
		in, err := c.t.ReadChunk(c.getRx)
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
// holding the ownership token. It reports false once the connection is
// ending.
func (c *Conn) deliver(in Chunk) bool {
	for {
		if !c.rx.Wait(c.done) {
			return false
		}
		c.acquire()
		if c.stopped {
			c.release()
			return false
		}
		if !c.rx.IsOpen() {
			c.release() // turned off while we waited for the token
			continue
		}
		err := c.sess.Receive(c, in)
		if err == nil && c.wantW.Swap(false) {
			err = c.writeable()
		}
		if err != nil {
			c.stop(err)
		}
		c.release()
		return err == nil
	}
}

// buffer returns the reader's receive buffer, taking one from the pool when
// a message starts.
func (c *Conn) buffer() []byte {
	if c.buf == nil {
		c.buf = getBuffer(c.cfg.rxSize)
	}
	return *c.buf
}
