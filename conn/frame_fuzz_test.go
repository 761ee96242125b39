package conn

import (
	"bytes"
	"net"
	"testing"
	"unicode/utf8"
)

// FuzzFrameReader feeds arbitrary bytes to a server's frame reader: it must
// never panic, never deliver a chunk larger than the buffer, deliver only
// valid UTF-8 text, and end with an error once the input is used up.
func FuzzFrameReader(f *testing.F) {
	masked := func(fin bool, op byte, p []byte) []byte {
		b := appendHeader(nil, fin, false, op, len(p), true, 0x11223344)
		n := len(b)
		b = append(b, p...)
		maskBytes(0x11223344, 0, b[n:])
		return b
	}
	f.Add(masked(true, opText, []byte("hello")))
	f.Add(append(masked(false, opBinary, []byte("ab")), masked(true, opContinuation, []byte("cd"))...))
	f.Add(append(masked(true, opPing, []byte("p")), masked(true, opClose, []byte{3, 232})...))
	f.Add(masked(true, opText, []byte{0xff}))
	f.Add([]byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b := net.Pipe()
		defer a.Close()
		defer b.Close()
		ws := newWebSocket(a, bytes.NewReader(data), nil, false, nil)
		buf := make([]byte, 16)
		var text []byte
		for range len(data) + 2 {
			in, err := ws.ReadChunk(func() []byte { return buf })
			if err != nil {
				return
			}
			if len(in.Data) > len(buf) {
				t.Fatalf("chunk of %d bytes from a %d-byte buffer", len(in.Data), len(buf))
			}
			if in.Type == Text {
				if in.First {
					text = text[:0]
				}
				text = append(text, in.Data...)
				if in.Final && !utf8.Valid(text) {
					t.Fatalf("invalid UTF-8 delivered: %q", text)
				}
			}
		}
		t.Fatal("the reader did not end when its input did")
	})
}
