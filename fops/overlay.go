package fops

import (
	"errors"
	"io/fs"
)

// Overlay is an FS made of layers, the first on top: a name is opened in
// the first layer that does not answer fs.ErrNotExist (lws's way of
// overriding some files of another fops). An empty Overlay has no files.
//
//	site := fops.Overlay{fops.FromFS(generated), disk}
type Overlay []FS

var _ FS = Overlay(nil)

// OpenFile opens name in the first layer that has it. Any answer other
// than fs.ErrNotExist, success or error, ends the search.
func (o Overlay) OpenFile(name string, flags Flag) (File, error) {
	for _, l := range o {
		f, err := l.OpenFile(name, flags)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return nil, pathErr("open", name, fs.ErrNotExist)
}
