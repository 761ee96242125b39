package conn

import (
	"errors"
	"io"
	"testing"
)

// oneShotReader is a message reader that returns its last bytes together
// with io.EOF, as coder/websocket's reader does for a compressed message
// whose deflate stream ends with a final block, and that must not be read
// after that: coder/websocket has then given the message's flate reader
// back to its pool (another connection may already be using it).
type oneShotReader struct {
	data []byte
	eof  bool
}

var errReadAfterEOF = errors.New("message read after it returned io.EOF")

func (r *oneShotReader) Read(p []byte) (int, error) {
	if r.eof {
		return 0, errReadAfterEOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	if len(r.data) == 0 {
		r.eof = true
		return n, io.EOF
	}
	return n, nil
}

// TestReadChunkCarryWithEOF checks ReadChunk when the byte read ahead to
// learn whether a full chunk is final comes with io.EOF: the message ends
// after that byte, and the reader must not be read again.
func TestReadChunkCarryWithEOF(t *testing.T) {
	for _, typ := range []MessageType{Binary, Text} {
		t.Run(typ.String(), func(t *testing.T) {
			const rxSize = 4
			msg := []byte("abcde") // one byte more than a chunk
			ws := &WebSocket{msg: &oneShotReader{data: msg}, typ: typ, first: true}
			buf := make([]byte, rxSize)
			getBuf := func() []byte { return buf }

			var got []byte
			var chunks []Chunk
			for i := 0; ; i++ {
				if i == 3 {
					t.Fatalf("no final chunk after %d chunks", i)
				}
				in, err := ws.ReadChunk(getBuf)
				if err != nil {
					t.Fatalf("chunk %d: %v", i, err)
				}
				if in.First != (i == 0) {
					t.Errorf("chunk %d: First=%v", i, in.First)
				}
				got = append(got, in.Data...)
				chunks = append(chunks, in)
				if in.Final {
					break
				}
			}
			if string(got) != string(msg) {
				t.Fatalf("got %q in %d chunks, want %q", got, len(chunks), msg)
			}
			if ws.msg != nil || ws.hasCarry {
				t.Fatalf("message state left after the final chunk: msg %v, carry %v", ws.msg != nil, ws.hasCarry)
			}
		})
	}
}
