package conn

import (
	"testing"
	"unicode/utf8"
)

func TestTmpUTF8Exhaustive(t *testing.T) {
	alpha := []byte{0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	var rec func(b []byte)
	count := 0
	rec = func(b []byte) {
		if len(b) > 0 {
			n := len(b) - 1
			for mask := 0; mask < 1<<n; mask++ {
				var cuts []int
				for i := 0; i < n; i++ {
					if mask&(1<<i) != 0 {
						cuts = append(cuts, i+1)
					}
				}
				count++
				if got, want := feedSplit(b, cuts), utf8.Valid(b); got != want {
					t.Fatalf("%x cuts %v got %v want %v", b, cuts, got, want)
				}
			}
		}
		if len(b) == 6 {
			return
		}
		for _, c := range alpha {
			rec(append(b, c))
		}
	}
	rec(nil)
	t.Log(count)
}
