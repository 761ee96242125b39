package conn

// read is the reader goroutine: it reads a chunk only while rx is on, hands
// it to the service goroutine only while rx is still on, and waits until the
// chunk is consumed before reading again. It returns when the transport
// fails or the connection ends.
func (c *Conn) read() {
	defer close(c.readerExit)
	for {
		if !c.rx.Wait(c.done) {
			return
		}
		in, err := c.t.ReadChunk(c.buffer)
		if err != nil {
			c.causeOf(err)
			return
		}
		if !c.rx.Wait(c.done) {
			return
		}
		select {
		case c.rxCh <- in:
		case <-c.done:
			return
		}
		select {
		case <-c.rxDone:
		case <-c.done:
			return
		}
		if in.Final && c.buf != nil {
			putBuffer(c.buf)
			c.buf = nil
		}
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
