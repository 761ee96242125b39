package natshub

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/hub"
)

func TestCodecRoundTrip(t *testing.T) {
	tests := []*hub.Message{
		{Type: conn.Text, Data: []byte("hello")},
		{Type: conn.Binary, Data: []byte{0, 1, 2, 255}},
		{Type: conn.Text, Data: nil},
		{Type: conn.Binary, Data: bytes.Repeat([]byte("x"), 300), Pieces: []int{100, 0, 200}},
	}
	for i, m := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := decode(encode(nil, m))
			if err != nil {
				t.Fatal(err)
			}
			if got.Type != m.Type || !bytes.Equal(got.Data, m.Data) || !slices.Equal(got.Pieces, m.Pieces) {
				t.Fatalf("got %v %q %v", got.Type, got.Data, got.Pieces)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"type only", []byte{1}},
		{"bad type", []byte{9, 0}},
		{"pieces exceed data", []byte{2, 1, 5, 'a'}},
		{"pieces short of data", []byte{2, 1, 1, 'a', 'b'}},
		{"truncated count", []byte{2, 0x80}},
		{"count beyond bytes", []byte{2, 100, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := decode(tt.in); err == nil {
				t.Fatalf("decoded %+v", m)
			}
		})
	}
}

// FuzzDecode checks that decoding never panics and that what decodes
// encodes back to the same bytes.
func FuzzDecode(f *testing.F) {
	f.Add(encode(nil, &hub.Message{Type: conn.Text, Data: []byte("hi")}))
	f.Add(encode(nil, &hub.Message{Type: conn.Binary, Data: []byte("abcdef"), Pieces: []int{2, 4}}))
	f.Add([]byte{2, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := decode(p)
		if err != nil {
			return
		}
		total := 0
		for _, n := range m.Pieces {
			total += n
		}
		if m.Pieces != nil && total != len(m.Data) {
			t.Fatalf("pieces %v for %d bytes", m.Pieces, len(m.Data))
		}
		if again := encode(nil, m); !bytes.Equal(again, p) {
			// Only a non-minimal uvarint may differ; it must decode alike.
			m2, err := decode(again)
			if err != nil || !bytes.Equal(m2.Data, m.Data) || !slices.Equal(m2.Pieces, m.Pieces) {
				t.Fatalf("re-encoding %x gave %x", p, again)
			}
		}
	})
}

func TestSubject(t *testing.T) {
	tests := []struct{ topic, want string }{
		{"room-1", "p.room-1"},
		{"", "p._"},
		{"a.b", "p._YS5i"},
		{"*", "p._Kg"},
		{">", "p._Pg"},
		{"with space", "p._d2l0aCBzcGFjZQ"},
		{"under_score", "p._dW5kZXJfc2NvcmU"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := subject("p.", tt.topic)
		if got != tt.want {
			t.Errorf("subject(%q) = %q, want %q", tt.topic, got, tt.want)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q share subject %q", tt.topic, other, got)
		}
		seen[got] = tt.topic
	}
}
