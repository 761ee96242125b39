package conn_test

// This file uses conn.Options.MaxMessageSize, which the engine does not
// have yet: until it does, the package's tests do not compile with it.

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/golws/lws/conn"
)

// TestMaxMessageSize checks Options.MaxMessageSize: a message of at most
// that many bytes is delivered whole (however it is fragmented and chunked),
// a larger one closes the connection with 1009 (message too big), also when
// its frames are each under the limit or when only a frame header announces
// the excess. Zero means no limit.
func TestMaxMessageSize(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name   string
		max    int64
		rxSize int
		typ    conn.MessageType
		frags  []int
		tooBig bool
	}{
		{name: "at the limit", max: limit, typ: conn.Binary, frags: []int{limit}},
		{name: "one byte over", max: limit, typ: conn.Binary, frags: []int{limit + 1}, tooBig: true},
		{name: "text one byte over", max: limit, typ: conn.Text, frags: []int{limit + 1}, tooBig: true},
		{name: "at the limit in fragments, small chunks", max: limit, rxSize: 16, typ: conn.Text, frags: []int{500, 0, 500}},
		{name: "over in fragments each under the limit", max: limit, typ: conn.Binary, frags: []int{600, 401}, tooBig: true},
		{name: "over, small chunks", max: limit, rxSize: 16, typ: conn.Binary, frags: []int{limit + 1}, tooBig: true},
		{name: "no limit", max: 0, typ: conn.Binary, frags: []int{1 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := make(chan []chunkRec, 2)
			s := startServer(t, chunkRecorder(msgs), conn.Options{RxBufferSize: tt.rxSize, MaxMessageSize: tt.max})
			rc := dialRaw(t, s, "")
			total := 0
			for _, n := range tt.frags {
				total += n
			}
			msg := pattern(total)
			off := 0
			for i, n := range tt.frags {
				op := byte(0)
				if i == 0 {
					op = byte(tt.typ)
				}
				if err := rc.writeFrame(i == len(tt.frags)-1, op, msg[off:off+n]); err != nil {
					t.Fatal(err)
				}
				off += n
			}
			if tt.tooBig {
				if code := rc.closeWithin(t, 2*time.Second); code != 1009 {
					t.Fatalf("close code %d, want 1009", code)
				}
				return
			}
			rxSize := tt.rxSize
			if rxSize == 0 {
				rxSize = conn.DefaultRxBufferSize
			}
			select {
			case chunks := <-msgs:
				checkChunks(t, chunks, tt.typ, msg, rxSize)
			case <-testCtx(t).Done():
				t.Fatal("message not delivered")
			}
		})
	}

	t.Run("announced by a frame header", func(t *testing.T) {
		s := startServer(t, chunkRecorder(make(chan []chunkRec, 1)), conn.Options{MaxMessageSize: limit})
		rc := dialRaw(t, s, "")
		// A frame announcing 1 TiB, of which only limit+1 bytes are sent.
		hdr := []byte{0x82, 0x80 | 127}
		hdr = binary.BigEndian.AppendUint64(hdr, 1<<40)
		hdr = append(hdr, 0, 0, 0, 0) // zero mask
		if _, err := rc.Write(append(hdr, bytes.Repeat([]byte{'x'}, limit+1)...)); err != nil {
			t.Fatal(err)
		}
		if code := rc.closeWithin(t, 2*time.Second); code != 1009 {
			t.Fatalf("close code %d, want 1009", code)
		}
	})
}
