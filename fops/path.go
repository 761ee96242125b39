package fops

import (
	"strings"
	"unicode/utf8"
)

// Clean turns a URL path (already percent-decoded), relative to a mount,
// into a name for OpenFile: leading, trailing and repeated slashes and "."
// elements are dropped; "" and "/" give ".". It refuses, with an error
// matching ErrInvalidPath, any name with a ".." element, a NUL, a
// backslash, or bytes that are not UTF-8.
// The result always satisfies fs.ValidPath.
func Clean(p string) (string, error) {
	if strings.ContainsAny(p, "\x00\\") || !utf8.ValidString(p) {
		return "", pathErr("clean", p, ErrInvalidPath)
	}
	var b strings.Builder
	b.Grow(len(p))
	first := true
	for elem := range strings.SplitSeq(p, "/") {
		switch elem {
		case "", ".":
			continue
		case "..":
			return "", pathErr("clean", p, ErrInvalidPath)
		}
		if !first {
			b.WriteByte('/')
		}
		b.WriteString(elem)
		first = false
	}
	if first {
		return ".", nil
	}
	return b.String(), nil
}
