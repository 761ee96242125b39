package fops

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// Root is an FS of the files under one directory of the operating system.
// It opens through os.Root: no name reaches outside the directory, whether
// by "..", an absolute name, or a symbolic link pointing outside. Make one
// with OpenRoot and Close it when done.
type Root struct {
	root *os.Root
}

var _ FS = (*Root)(nil)

// OpenRoot opens dir as a Root.
func OpenRoot(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{root: r}, nil
}

// Name is the directory the Root was opened with.
func (r *Root) Name() string { return r.root.Name() }

// Close releases the directory. Files already open stay usable.
func (r *Root) Close() error { return r.root.Close() }

// OpenFile opens name under the root. The file's ModTime is valid; it is
// not Virtual.
func (r *Root) OpenFile(name string, flags Flag) (File, error) {
	if err := checkFlags(name, flags); err != nil {
		return nil, err
	}
	if !fs.ValidPath(name) {
		return nil, pathErr("open", name, ErrInvalidPath)
	}
	var mode int
	switch {
	case flags.Has(Write) && flags.Has(Read):
		mode = os.O_RDWR
	case flags.Has(Write):
		mode = os.O_WRONLY
	default:
		mode = os.O_RDONLY
	}
	if flags.Has(Create) {
		mode |= os.O_CREATE
	}
	if flags.Has(Truncate) {
		mode |= os.O_TRUNC
	}
	f, err := r.root.OpenFile(name, mode, 0o644)
	if err != nil {
		return nil, rootErr(name, err)
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
	return &osFile{fileMeta: fileMeta{name: f.Name(), flags: flags&openFlags | ModTimeValid, length: st.Size(), mod: st.ModTime()}, f: f}, nil
}

// rootErr gives os.Root's refusals fops's sentinels: os reports an escape
// with an unexported error, recognised here by its text.
func rootErr(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err.Error() == "path escapes from parent" {
		return pathErr("open", name, ErrEscapes)
	}
	return err
}

// osFile is a File of a Root.
type osFile struct {
	fileMeta
	f *os.File
}

func (f *osFile) Read(p []byte) (int, error) {
	if !readable(f.flags) {
		return 0, pathErr("read", f.name, ErrNotOpenForReading)
	}
	n, err := f.f.Read(p)
	f.pos += int64(n)
	return n, err
}

func (f *osFile) Write(p []byte) (int, error) {
	if !f.flags.Has(Write) {
		return 0, pathErr("write", f.name, ErrNotOpenForWriting)
	}
	n, err := f.f.Write(p)
	f.pos += int64(n)
	f.length = max(f.length, f.pos)
	return n, err
}

func (f *osFile) Seek(offset int64, whence int) (int64, error) {
	return f.seek(offset, whence, func(n int64) error {
		_, err := f.f.Seek(n, io.SeekStart)
		return err
	})
}

// OSFile returns the *os.File underneath.
func (f *osFile) OSFile() *os.File { return f.f }

func (f *osFile) Close() error { return f.f.Close() }
