package conn

import (
	"io"
	"sync"
	"testing"
)

// waitBody is a stream body that behaves as net/http's HTTP/2 request body
// and h2ClientStream do: a read waits until input, the end or an error is
// there, and an empty read takes nothing. Each read that has to wait
// reports the size of the buffer it was given on waits.
type waitBody struct {
	mu    sync.Mutex
	cond  sync.Cond
	data  []byte
	eof   bool
	waits chan int
}

func newWaitBody() *waitBody {
	b := &waitBody{waits: make(chan int, 16)}
	b.cond.L = &b.mu
	return b
}

func (b *waitBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.data) == 0 && !b.eof {
		b.waits <- len(p)
	}
	for len(b.data) == 0 && !b.eof {
		b.cond.Wait()
	}
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *waitBody) Close() error {
	b.mu.Lock()
	b.eof = true
	b.cond.Broadcast()
	b.mu.Unlock()
	return nil
}

func (b *waitBody) write(p []byte) {
	b.mu.Lock()
	b.data = append(b.data, p...)
	b.cond.Broadcast()
	b.mu.Unlock()
}

// clientFrame is a masked binary frame carrying p.
func clientFrame(p []byte) []byte {
	const key = 0x01020304
	f := appendHeader(nil, true, false, opBinary, len(p), true, key)
	n := len(f)
	f = append(f, p...)
	maskBytes(key, 0, f[n:])
	return f
}

// TestH2StreamIdleHoldsNoBuffer: a WebSocket on an HTTP/2 stream waits for
// its next frame without a read buffer, and reads each message whole.
func TestH2StreamIdleHoldsNoBuffer(t *testing.T) {
	body := newWaitBody()
	s := &h2Stream{rd: body, wr: io.Discard, reset: func() {}, idle: make(chan struct{})}
	ws := newWebSocket(s, s, nil, false, nil)
	var rx [64]byte
	buf := func() []byte { return rx[:] }
	type result struct {
		in  Chunk
		err error
	}
	for i, msg := range []string{"first", "a second, longer message", "x"} {
		got := make(chan result, 1)
		go func() {
			in, err := ws.ReadChunk(buf)
			got <- result{in, err}
		}()
		if n := <-body.waits; n != 0 {
			t.Fatalf("message %d: the reader waits for input with a %d-byte buffer", i, n)
		}
		if ws.in != nil { // the reader is waiting in the body: no race
			t.Fatalf("message %d: a read buffer is held while waiting", i)
		}
		body.write(clientFrame([]byte(msg)))
		r := <-got
		if r.err != nil || string(r.in.Data) != msg || !r.in.Final {
			t.Fatalf("message %d: %q final %v err %v, want %q", i, r.in.Data, r.in.Final, r.err, msg)
		}
	}
	body.Close()
	if _, err := ws.ReadChunk(buf); err == nil {
		t.Fatal("read past the stream's end succeeded")
	}
}
