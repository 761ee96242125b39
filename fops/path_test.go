package fops

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "."},
		{"/", "."},
		{"index.html", "index.html"},
		{"/index.html", "index.html"},
		{"//a///b/", "a/b"},
		{"./a/./b", "a/b"},
		{"a..b/..c", "a..b/..c"},
		{"...", "..."},
		{"..", ""},
		{"/../etc/passwd", ""},
		{"a/../../b", ""},
		{"a/..", ""},
		{"a\x00b", ""},
		{"a\\..\\b", ""},
	}
	for _, tt := range tests {
		got, err := Clean(tt.in)
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidPath) {
				t.Errorf("Clean(%q) = %q, %v; want ErrInvalidPath", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Clean(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// FuzzClean: whatever the input, Clean either refuses it or returns a valid
// io/fs name with no "..", NUL or backslash, and cleaning that again gives
// it back unchanged.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "/", "a/b", "/../x", "a/./b//c/", "\x00", "..\\..", "%2e%2e", "a/.../b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := Clean(p)
		if err != nil {
			if !errors.Is(err, ErrInvalidPath) {
				t.Fatalf("Clean(%q): %v", p, err)
			}
			return
		}
		if !fs.ValidPath(got) || strings.ContainsAny(got, "\x00\\") {
			t.Fatalf("Clean(%q) = %q: not a valid name", p, got)
		}
		for _, e := range strings.Split(got, "/") {
			if e == ".." {
				t.Fatalf("Clean(%q) = %q has ..", p, got)
			}
		}
		if again, err := Clean(got); err != nil || again != got {
			t.Fatalf("Clean(Clean(%q)) = %q, %v; want %q", p, again, err, got)
		}
	})
}
