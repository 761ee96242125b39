package mux

import (
	"bytes"
	"errors"
	"io"
	"net/http/httputil"
	"strings"
	"testing"
)

func TestDechunker(t *testing.T) {
	tests := []struct {
		name, in, out string
		done          bool
		bad           bool
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", true, false},
		{"two chunks", "3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", "abc0123456789", true, false},
		{"bare LF", "3\nabc\n0\n\n", "abc", true, false},
		{"extension", "3;name=v\r\nabc\r\n0;x\r\n\r\n", "abc", true, false},
		{"trailers", "1\r\nz\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", "z", true, false},
		{"upper hex", "B\r\nhello world\r\n0\r\n\r\n", "hello world", true, false},
		{"incomplete", "5\r\nhel", "hel", false, false},
		{"no final chunk", "5\r\nhello\r\n", "hello", false, false},
		{"no digits", "\r\nabc", "", false, true},
		{"bad size", "x\r\n", "", false, true},
		{"data overrun", "2\r\nabc\r\n", "ab", false, true},
		{"after end", "0\r\n\r\nX", "", true, true},
		{"huge size", "ffffffffffffffffff\r\n", "", false, true},
		{"long line", "1" + strings.Repeat(" ", maxChunkLine) + "\r\n", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Byte by byte and all at once must agree.
			for _, step := range []int{1, len(tt.in)} {
				var out bytes.Buffer
				d := &dechunker{w: &out}
				var err error
				for in := tt.in; len(in) > 0 && err == nil; {
					k := min(step, len(in))
					_, err = d.Write([]byte(in[:k]))
					in = in[k:]
				}
				if (err != nil) != tt.bad || (err != nil && !errors.Is(err, ErrChunked)) {
					t.Fatalf("step %d: err %v, want bad=%t", step, err, tt.bad)
				}
				if out.String() != tt.out || (!tt.bad && d.done() != tt.done) {
					t.Fatalf("step %d: out %q done %t, want %q %t", step, out.String(), d.done(), tt.out, tt.done)
				}
			}
		})
	}
}

// FuzzDechunker checks the decoder against net/http's chunked reader: what
// that reader decodes, the dechunker decodes to the same bytes, however the
// input is split; it never panics and never writes more than it was given.
func FuzzDechunker(f *testing.F) {
	var enc bytes.Buffer
	cw := httputil.NewChunkedWriter(&enc)
	cw.Write([]byte("hello"))
	cw.Write([]byte(strings.Repeat("x", 300)))
	cw.Close()
	enc.WriteString("\r\n")
	f.Add(enc.Bytes(), uint8(3))
	f.Add([]byte("3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"), uint8(1))
	f.Add([]byte("3\nabc\n0\n\n"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		var out bytes.Buffer
		d := &dechunker{w: &out}
		step := int(split)%7 + 1
		var err error
		for p := in; len(p) > 0 && err == nil; {
			k := min(step, len(p))
			_, err = d.Write(p[:k])
			p = p[k:]
		}
		if out.Len() > len(in) {
			t.Fatalf("wrote %d bytes from %d", out.Len(), len(in))
		}
		want, rerr := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(in)))
		if rerr != nil {
			return // net/http rejects it too, or it is incomplete
		}
		// net/http's reader stops after the last chunk's size line; the
		// dechunker also checks the trailers, so it may fail there only.
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("decoded %q, net/http decoded %q", out.Bytes(), want)
		}
		if err != nil && d.state != chTrailer && d.state != chTrailerLine && d.state != chDone {
			t.Fatalf("rejected in state %d what net/http accepts: %v", d.state, err)
		}
	})
}
