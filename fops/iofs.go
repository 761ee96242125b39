package fops

import (
	"fmt"
	"io"
	"io/fs"
	"time"
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
	out := &ioFile{name: name, f: f, rs: rs, flags: flags&openFlags | Virtual, length: st.Size()}
	if m := st.ModTime(); !m.IsZero() {
		out.mod = m
		out.flags |= ModTimeValid
	}
	return out, nil
}

type ioFile struct {
	name   string
	f      fs.File
	rs     io.ReadSeeker
	flags  Flag
	pos    int64
	length int64
	mod    time.Time
}

func (f *ioFile) Read(p []byte) (int, error) {
	if f.pos >= f.length {
		return 0, io.EOF
	}
	n, err := f.rs.Read(p)
	f.pos += int64(n)
	return n, err
}

func (f *ioFile) Write([]byte) (int, error) {
	return 0, pathErr("write", f.name, ErrNotOpenForWriting)
}

func (f *ioFile) Seek(offset int64, whence int) (int64, error) {
	n, err := seekTo(f.pos, f.length, offset, whence)
	if err != nil {
		return f.pos, pathErr("seek", f.name, err)
	}
	if n < f.length { // past the end, Read answers io.EOF by itself
		if _, err := f.rs.Seek(n, io.SeekStart); err != nil {
			return f.pos, err
		}
	}
	f.pos = n
	return n, nil
}

func (f *ioFile) Close() error       { return f.f.Close() }
func (f *ioFile) Tell() int64        { return f.pos }
func (f *ioFile) Length() int64      { return f.length }
func (f *ioFile) ModTime() time.Time { return f.mod }
func (f *ioFile) Flags() Flag        { return f.flags }
