package mux

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzAcceptsGzip: any Accept-Encoding value is read without panicking; a
// value naming neither gzip nor "*" never accepts gzip, and listing gzip
// with q=0 in front never does.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=0.5, br", "deflate, x-gzip; q=0.1", ";;,,=", "gzip;q=1e999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Accept-Encoding": {v}}
		got := AcceptsGzip(h)
		lower := strings.ToLower(v)
		if got && !strings.Contains(lower, "gzip") && !strings.Contains(lower, "*") {
			t.Fatalf("AcceptsGzip(%q) without gzip or *", v)
		}
		h["Accept-Encoding"] = []string{"gzip;q=0, " + v}
		if AcceptsGzip(h) {
			t.Fatalf("AcceptsGzip(gzip;q=0, %q) = true", v)
		}
	})
}
