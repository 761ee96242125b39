package mux

import (
	"context"
	"net/http"

	"github.com/golws/lws/fops"
)

type mountOptionsKey struct{}

// MountOptions returns the per-mount options (lws's pmo, Mount.Options) of
// the mount serving r, or nil. A callback mount's session finds its
// request with HTTPRequest.
func MountOptions(r *http.Request) map[string]string {
	if r == nil {
		return nil
	}
	o, _ := r.Context().Value(mountOptionsKey{}).(map[string]string)
	return o
}

// withMountOptions returns r carrying the options of m, if it has any.
func withMountOptions(m *Mount, r *http.Request) *http.Request {
	if m.Options == nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), mountOptionsKey{}, m.Options))
}

type interpretKey struct{}

type interpreted struct {
	fsys fops.FS
	name string
}

// InterpretedFile returns the file a file mount handed to an interpreter
// (FileOptions.Interpret) with r: the mount's filesystem and the file's
// name in it. ok is false for other requests.
func InterpretedFile(r *http.Request) (fsys fops.FS, name string, ok bool) {
	if r == nil {
		return nil, "", false
	}
	in, ok := r.Context().Value(interpretKey{}).(interpreted)
	return in.fsys, in.name, ok
}

// interpret hands r to the interpreter of name's suffix, if any, and
// reports whether it did.
func (s *fileServer) interpret(w http.ResponseWriter, r *http.Request, name string) bool {
	for suffix, h := range s.opts.Interpret {
		if len(name) > len(suffix) && name[len(name)-len(suffix):] == suffix {
			ctx := context.WithValue(r.Context(), interpretKey{}, interpreted{fsys: s.fsys, name: name})
			h.ServeHTTP(w, r.WithContext(ctx))
			return true
		}
	}
	return false
}
