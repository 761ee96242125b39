package conn_test

import (
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
)

// recorder is a conn.FlowObserver that keeps what it is told.
type recorder struct {
	mu                         sync.Mutex
	opened, closed             int
	codes                      []conn.StatusCode
	rxBytes, txBytes           int
	rxMessages, txMessages     int
	rxOffs, sendWaits          int
	rxOffTotal, sendWaitsTotal time.Duration
}

func (r *recorder) ConnOpened(*conn.Conn) { r.mu.Lock(); r.opened++; r.mu.Unlock() }

func (r *recorder) ConnClosed(_ *conn.Conn, code conn.StatusCode, _ error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed++
	r.codes = append(r.codes, code)
}

func (r *recorder) Received(_ *conn.Conn, n int, end bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rxBytes += n
	if end {
		r.rxMessages++
	}
}

func (r *recorder) Sent(_ *conn.Conn, n int, end bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txBytes += n
	if end {
		r.txMessages++
	}
}

func (r *recorder) RxOff(_ *conn.Conn, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rxOffs++
	r.rxOffTotal += d
}

func (r *recorder) SendWait(_ *conn.Conn, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sendWaits++
	r.sendWaitsTotal += d
}

func (r *recorder) snapshot() recorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	return recorder{opened: r.opened, closed: r.closed, codes: append([]conn.StatusCode(nil), r.codes...),
		rxBytes: r.rxBytes, txBytes: r.txBytes, rxMessages: r.rxMessages, txMessages: r.txMessages,
		rxOffs: r.rxOffs, sendWaits: r.sendWaits}
}

// bigEcho answers each message with a message of size bytes, turning rx
// off until it has been written.
type bigEcho struct {
	size    int
	pending bool
}

func (s *bigEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.Final {
		s.pending = true
		c.SetRx(false)
		c.RequestWritable()
	}
	return nil
}

func (s *bigEcho) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	return c.Write(conn.Binary, make([]byte, s.size))
}

// TestObserver checks what an Observer is told of a connection's life:
// its opening, traffic both ways, the time rx was off, the wait of output
// the peer did not take at once, and its close code.
func TestObserver(t *testing.T) {
	const size = 8 << 20 // more than the socket buffers take at once
	rec := new(recorder)
	s := startServer(t, func(*conn.Conn) conn.Session { return &bigEcho{size: size} }, conn.Options{Observer: rec})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	for range 2 {
		if err := c.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // let the answer wait for us
		if _, b, err := c.Read(ctx); err != nil || len(b) != size {
			t.Fatalf("read: %d bytes, %v", len(b), err)
		}
	}
	if err := c.Close(4005, "bye"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the close", func() bool { return rec.snapshot().closed == 1 })
	got := rec.snapshot()
	if got.opened != 1 || len(got.codes) != 1 || got.codes[0] != 4005 {
		t.Errorf("opened %d, close codes %v; want 1 and [4005]", got.opened, got.codes)
	}
	if got.rxBytes != 10 || got.rxMessages != 2 || got.txBytes != 2*size || got.txMessages != 2 {
		t.Errorf("rx %d bytes %d messages, tx %d bytes %d messages; want 10, 2, %d, 2",
			got.rxBytes, got.rxMessages, got.txBytes, got.txMessages, 2*size)
	}
	if got.rxOffs != 2 {
		t.Errorf("rx-off periods %d, want 2", got.rxOffs)
	}
	if got.sendWaits < 2 {
		t.Errorf("send waits %d, want at least 2", got.sendWaits)
	}
}

func TestCloseCode(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want conn.StatusCode
	}{
		{nil, conn.StatusNormal},
		{conn.CloseWith(4001, "x"), 4001},
		{conn.ErrInvalidUTF8, conn.StatusInvalidPayload},
		{conn.ErrMessageTooBig, conn.StatusTooBig},
		{&conn.TimeoutError{Reason: "r"}, conn.StatusPolicyViolation},
		{conn.ErrClosed, conn.StatusInternalError},
	} {
		if got := conn.CloseCode(tt.err); got != tt.want {
			t.Errorf("CloseCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
