package mux

import (
	"net/url"
	"strings"
)

// below returns the part of the request path that lies under a mount at
// mountPath, escaped as on the wire ("" when the request is for the
// mountpoint itself). The request path must be under the mount.
func below(u *url.URL, mountPath string) string {
	mountPath = strings.TrimSuffix(mountPath, "/")
	p := u.EscapedPath()
	if rest, ok := strings.CutPrefix(p, mountPath); ok {
		return rest
	}
	// The escaped form differs from the decoded one in the mount's own
	// segment (an encoded character in the mountpoint): fall back to the
	// decoded path, re-escaped.
	rest, _ := strings.CutPrefix(u.Path, mountPath)
	return (&url.URL{Path: rest}).EscapedPath()
}

// joinPath appends rel (escaped, "" or starting with "/") to base (escaped)
// with exactly one slash between them.
func joinPath(base, rel string) string {
	switch {
	case rel == "":
		if base == "" {
			return "/"
		}
		return base
	case strings.HasSuffix(base, "/"):
		return base + rel[1:]
	}
	return base + rel
}
