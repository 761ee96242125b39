package raw_test

import (
	"bytes"
	"testing"

	"github.com/golws/lws/raw"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		in   string
		want raw.Class
	}{
		{"", raw.NeedMore},
		{"G", raw.NeedMore},
		{"GET", raw.NeedMore},
		{"GET ", raw.HTTP},
		{"GET / HTTP/1.1\r\n", raw.HTTP},
		{"POST /x HTTP/1.1", raw.HTTP},
		{"HEAD / HTTP/1.0", raw.HTTP},
		{"PUT /a", raw.HTTP},
		{"DELETE /a", raw.HTTP},
		{"OPTIONS * HTTP/1.1", raw.HTTP},
		{"OPTIONS", raw.NeedMore},
		{"PATCH /", raw.HTTP},
		{"CONNECT example.com:443 HTTP/1.1", raw.HTTP},
		{"TRACE /", raw.HTTP},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", raw.HTTP},
		{"P", raw.NeedMore}, // POST, PUT, PATCH, PRI
		{"PO", raw.NeedMore},
		{"GETTY", raw.Raw},
		{"get / HTTP/1.1", raw.Raw}, // methods are case-sensitive
		{"hello\r\n", raw.Raw},
		{"\r\n", raw.Raw},
		{"SSH-2.0-OpenSSH_9.2\r\n", raw.Raw},
		{"\x16", raw.NeedMore},
		{"\x16\x03\x01\x02\x00\x01", raw.TLS},
		{"\x16\x02", raw.Raw},
		{"\xff\xfd\x18", raw.Raw}, // a telnet option negotiation
	}
	for _, tt := range tests {
		if got := raw.Classify([]byte(tt.in)); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzClassify checks that Classify never panics, that it decides within
// ClassifyLen bytes, and that a decision never changes as more bytes come.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.1\r\n", "PRI * HTTP/2.0", "\x16\x03\x01", "hello", "OPTIONS ", "P", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got := raw.Classify(p)
		if got < raw.NeedMore || got > raw.Raw {
			t.Fatalf("Classify(%q) = %d", p, got)
		}
		if got == raw.NeedMore && len(p) >= raw.ClassifyLen {
			t.Fatalf("Classify(%q) needs more after %d bytes", p, len(p))
		}
		for i := range len(p) {
			pre := raw.Classify(p[:i])
			if pre != raw.NeedMore && pre != got {
				t.Fatalf("Classify(%q) = %v but its prefix %q gave %v", p, got, p[:i], pre)
			}
		}
		if got == raw.HTTP && !bytes.Contains(p[:min(len(p), raw.ClassifyLen)], []byte(" ")) {
			t.Fatalf("Classify(%q) = http without a space after the method", p)
		}
	})
}
