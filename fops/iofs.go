package fops

import (
	"fmt"
	"io"
	"io/fs"
)

// FromFS makes a read-only FS of an io/fs file system, such as an embed.FS
// or an fstest.MapFS. Its files are Virtual. Opening a file whose fs.File
// cannot seek (io.Seeker) fails with fs.ErrInvalid, since a File must.
func FromFS(fsys fs.FS) FS { return ioFS{fsys} }

type ioFS struct{ fsys fs.FS }

func (i ioFS) OpenFile(name string, flags Flag) (File, error) {
	if err := checkFlags(name, flags); err != nil {
		return nil, err
	}
	if flags.Has(Write) {
		return nil, pathErr("open", name, ErrReadOnly)
	}
	if !fs.ValidPath(name) {
		return nil, pathErr("open", name, ErrInvalidPath)
	}
	f, err := i.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, pathErr("open", name, ErrIsDir)
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		f.Close()
		return nil, pathErr("open", name, fmt.Errorf("fops: %T cannot seek: %w", f, fs.ErrInvalid))
	}
	out := &readFile{fileMeta: fileMeta{name: name, flags: flags&openFlags | Virtual, length: st.Size()}, rs: rs, close: f.Close}
	if m := st.ModTime(); !m.IsZero() {
		out.mod = m
		out.flags |= ModTimeValid
	}
	return out, nil
}
