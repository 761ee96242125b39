package conn

import (
	"testing"
	"unicode/utf8"
)

// feedSplit validates b split at the given cut points.
func feedSplit(b []byte, cuts []int) bool {
	var s utf8Stream
	prev := 0
	for _, c := range cuts {
		if c < prev || c > len(b) {
			continue
		}
		if !s.feed(b[prev:c], false) {
			return false
		}
		prev = c
	}
	return s.feed(b[prev:], true)
}

func TestUTF8Stream(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cuts []int
		want bool
	}{
		{"empty", "", nil, true},
		{"ascii", "hello", []int{2}, true},
		{"two-byte split", "h\u00e9llo", []int{2}, true},
		{"three-byte split twice", "\u20ac\u20ac", []int{1, 2, 4}, true},
		{"four-byte split each byte", "\U0001F600", []int{1, 2, 3}, true},
		{"truncated at end", "\xe2\x82", []int{1}, false},
		{"bad continuation across cut", "\xe2\x28\xa1", []int{1}, false},
		{"surrogate", "\xed\xa0\x80", []int{2}, false},
		{"overlong", "\xc0\xaf", nil, false},
		{"lone continuation", "a\x80b", []int{1}, false},
		{"above max", "\xf4\x90\x80\x80", []int{3}, false},
		{"every byte cut", "aé€😀z", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feedSplit([]byte(tt.in), tt.cuts); got != tt.want {
				t.Fatalf("feedSplit(%q, %v) = %v, want %v", tt.in, tt.cuts, got, tt.want)
			}
		})
	}
}

// FuzzUTF8Stream checks that validating in pieces agrees with utf8.Valid on
// the whole, wherever the pieces are cut.
func FuzzUTF8Stream(f *testing.F) {
	f.Add([]byte("h\u00e9llo \U0001F600"), uint8(3), uint8(5))
	f.Add([]byte("\xed\xa0\x80"), uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, b []byte, c1, c2 uint8) {
		cuts := []int{int(c1) % (len(b) + 1), int(c2) % (len(b) + 1)}
		if cuts[0] > cuts[1] {
			cuts[0], cuts[1] = cuts[1], cuts[0]
		}
		if got, want := feedSplit(b, cuts), utf8.Valid(b); got != want {
			t.Fatalf("feedSplit(%q, %v) = %v, utf8.Valid = %v", b, cuts, got, want)
		}
	})
}
