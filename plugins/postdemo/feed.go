package postdemo

import (
	"errors"
	"io"

	"github.com/golws/lws/conn"
)

// errStopped is what the parser reads once the connection has ended.
var errStopped = errors.New("connection ended before the body did")

// feed is an io.Reader over the body chunks a session receives: the
// session pushes one chunk with rx off; the reader turns rx back on once it
// has used the chunk, so the next one is read from the network only then.
// At most one chunk is held.
type feed struct {
	c    *conn.Conn
	ch   chan []byte   // one chunk at a time; closed after the final one
	quit chan struct{} // closed when the connection ends
	cur  []byte        // owned by the reader
	eof  bool          // owned by the reader
}

func newFeed(c *conn.Conn) *feed {
	return &feed{c: c, ch: make(chan []byte, 1), quit: make(chan struct{})}
}

// push hands a copy of p to the reader. It never blocks: rx is off until
// the reader has taken the previous chunk. Called from Receive only.
func (f *feed) push(p []byte, final bool) {
	if len(p) > 0 {
		f.ch <- append([]byte(nil), p...)
	} else if !final {
		f.c.SetRx(true) // nothing to hand over
	}
	if final {
		close(f.ch)
	}
}

// stop ends a Read waiting for a chunk that will never come. Called from
// Closed only.
func (f *feed) stop() { close(f.quit) }

// Read reads the body as it arrives.
func (f *feed) Read(p []byte) (int, error) {
	for len(f.cur) == 0 {
		if f.eof {
			return 0, io.EOF
		}
		select {
		case b, ok := <-f.ch:
			if !ok {
				f.eof = true
				continue
			}
			f.cur = b
		case <-f.quit:
			return 0, errStopped
		}
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	if len(f.cur) == 0 && !f.eof {
		f.c.SetRx(true) // used up: let the next chunk in
	}
	return n, nil
}
