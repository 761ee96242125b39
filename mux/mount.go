package mux

import (
	"net/http"
	"strings"
)

// Mount maps part of a vhost's URL space to a handler, as lws mounts do:
// "/" takes everything, "/ziptest" takes "/ziptest" and "/ziptest/...". The
// longest matching mount wins. The handler sees the request unchanged; a
// mount that serves files strips its own Path.
type Mount struct {
	// Path is the mountpoint: "/" or a path without a trailing slash.
	Path string
	// Handler serves the requests under Path.
	Handler http.Handler
	// BasicAuth, if set, requires HTTP Basic credentials of its file
	// before the mount serves a request (lws basic_auth_login_file).
	BasicAuth *BasicAuth
	// Options are per-mount options for the handler (lws pmo); handlers
	// read them with MountOptions.
	Options map[string]string
}

// Mounts is a vhost's mount table.
type Mounts []Mount

// Match returns the mount whose Path is the longest prefix of path on a
// segment boundary, or nil.
func (ms Mounts) Match(path string) *Mount {
	var best *Mount
	for i := range ms {
		m := &ms[i]
		if !underMount(path, m.Path) {
			continue
		}
		if best == nil || len(m.Path) > len(best.Path) {
			best = m
		}
	}
	return best
}

func underMount(path, mount string) bool {
	mount = strings.TrimSuffix(mount, "/")
	if mount == "" {
		return strings.HasPrefix(path, "/")
	}
	return path == mount || strings.HasPrefix(path, mount+"/")
}
