package conn

import (
	"bytes"
	"testing"
)

// TestOutboxIdleHoldsNoBuffer: once Flush has written what a transport
// without raw socket access (TLS, an HTTP/2 stream) kept, the Outbox holds
// no buffer; the next Send takes one from the shared pool again.
func TestOutboxIdleHoldsNoBuffer(t *testing.T) {
	var w bytes.Buffer
	o := NewOutbox(&w)
	for round := range 3 {
		pending, err := o.Send([]byte("header"), bytes.Repeat([]byte{'x'}, 3000))
		if err != nil || !pending {
			t.Fatalf("round %d: Send kept nothing (%v, %v)", round, pending, err)
		}
		if err := o.Flush(); err != nil {
			t.Fatal(err)
		}
		o.mu.Lock()
		held := cap(o.data) + cap(o.ctrl) + cap(o.pong)
		o.mu.Unlock()
		if held != 0 {
			t.Fatalf("round %d: an idle Outbox holds %d bytes of buffers", round, held)
		}
	}
	if w.Len() != 3*3006 {
		t.Fatalf("wrote %d bytes, want %d", w.Len(), 3*3006)
	}
}
