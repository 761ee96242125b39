package fops

import (
	"io"
	"time"
)

// fileMeta is what every File of this package keeps beside its content, as
// lws keeps it in the generic part of its fop_fd: the name, the flags, the
// position, the length and the modification time.
type fileMeta struct {
	name   string
	flags  Flag
	pos    int64
	length int64
	mod    time.Time
}

func (m *fileMeta) Tell() int64        { return m.pos }
func (m *fileMeta) Length() int64      { return m.length }
func (m *fileMeta) ModTime() time.Time { return m.mod }
func (m *fileMeta) Flags() Flag        { return m.flags }

// seek finds the new position (whence as io.Seeker's), has move put the
// content there (nil: nothing to move), and takes it.
func (m *fileMeta) seek(offset int64, whence int, move func(int64) error) (int64, error) {
	n, err := seekTo(m.pos, m.length, offset, whence)
	if err != nil {
		return m.pos, pathErr("seek", m.name, err)
	}
	if move != nil {
		if err := move(n); err != nil {
			return m.pos, err
		}
	}
	m.pos = n
	return n, nil
}

// readFile is a read-only File over an io.ReadSeeker of known length: a
// file of an io/fs file system, or the bytes of a zip entry.
type readFile struct {
	fileMeta
	rs    io.ReadSeeker
	close func() error // nil: nothing to close
}

func (f *readFile) Read(p []byte) (int, error) {
	if f.pos >= f.length {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), f.length-f.pos)]
	n, err := f.rs.Read(p)
	f.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *readFile) Write([]byte) (int, error) {
	return 0, pathErr("write", f.name, ErrNotOpenForWriting)
}

func (f *readFile) Seek(offset int64, whence int) (int64, error) {
	return f.seek(offset, whence, func(n int64) error {
		if n >= f.length {
			return nil // past the end, Read answers io.EOF by itself
		}
		_, err := f.rs.Seek(n, io.SeekStart)
		return err
	})
}

func (f *readFile) Close() error {
	if f.close == nil {
		return nil
	}
	return f.close()
}
