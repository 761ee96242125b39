package raw

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"time"

	"github.com/golws/lws/conn"
)

// File is the Transport of a file descriptor: a FIFO, a pipe, a character
// device or a regular file (lws's RAW_ADOPT_FILE, RAW_RX_FILE,
// RAW_WRITEABLE_FILE and RAW_CLOSE_FILE). Each read is delivered as one
// Binary chunk with First and Final set; Write writes the bytes. The end of
// the file (a pipe whose writers have all gone) ends the connection with
// io.EOF.
//
// Where Go's poller can wait on the file — FIFOs and character devices
// opened with os.OpenFile or OpenFIFO, pipes from os.Pipe, and descriptors
// passed to os.NewFile that are already in non-blocking mode — reads wait in
// the poller and Abort unblocks them at once. Other files (regular files, a
// blocking descriptor given to os.NewFile, such as a terminal's standard
// input) are read by blocking system calls that closing cannot interrupt:
// such a connection ends only when its pending read returns (a regular file
// reaches its end at once; a terminal must be typed into). Pollable
// reports which kind a File is.
type File struct {
	f        *os.File
	pollable bool
	out      *conn.Outbox
}

var (
	_ conn.Transport = (*File)(nil)
	_ conn.Sender    = (*File)(nil)
)

// NewFile wraps f. NewFile takes ownership of f: the connection closes it.
func NewFile(f *os.File) *File {
	// Deadlines are supported exactly when the poller handles the file.
	pollable := !errors.Is(f.SetReadDeadline(time.Time{}), os.ErrNoDeadline)
	return &File{f: f, pollable: pollable, out: conn.NewOutbox(f)}
}

// File returns the wrapped file.
func (t *File) File() *os.File { return t.f }

// Pollable reports whether reads wait in Go's poller, so that Abort
// interrupts them.
func (t *File) Pollable() bool { return t.pollable }

// ReadChunk returns what one read of the file gives, up to the buffer's
// size.
func (t *File) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	b := buf()
	n, err := t.f.Read(b)
	if n > 0 {
		return chunk(b[:n]), nil
	}
	return conn.Chunk{}, err
}

// Send writes what the file takes of p at once (a pollable file: a FIFO
// or pipe whose reader is slow takes less) and keeps the rest for Flush.
// Writes to a file the poller cannot wait on are all kept for Flush, so
// they never block a callback.
func (t *File) Send(_ conn.MessageType, p []byte, _ bool) (bool, error) {
	return t.out.Send(p)
}

// Flush writes what Send kept, waiting as long as the file takes.
func (t *File) Flush() error { return t.out.Flush() }

// Pending reports whether output waits for Flush.
func (t *File) Pending() bool { return t.out.Pending() }

// Write writes p to the file, waiting until it is all written.
func (t *File) Write(typ conn.MessageType, p []byte, final bool) error {
	pending, err := t.Send(typ, p, final)
	if err == nil && pending {
		err = t.Flush()
	}
	return err
}

// Close closes the file.
func (t *File) Close(conn.StatusCode, string) error {
	err := t.f.Close()
	if errors.Is(err, os.ErrClosed) {
		return nil
	}
	return err
}

// Abort closes the file. It is safe from any goroutine and idempotent.
func (t *File) Abort() { _ = t.f.Close() }

// OpenFIFO opens the FIFO at path for reading and writing, creating it with
// mode perm if nothing is there; created reports whether it did. Opened for
// reading and writing (as Linux allows), the open does not wait for a
// writer and reads never see the end of file when a writer closes: the FIFO
// stays readable for the next writer, and Go's poller waits on it, so
// closing the file interrupts a read. A path that exists but is not a FIFO
// is an error.
func OpenFIFO(path string, perm fs.FileMode) (f *os.File, created bool, err error) {
	// Another process may remove the FIFO between our steps (a second
	// server closing down); start again then, a few times.
	for range 3 {
		f, created, err = openFIFO(path, perm)
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	return f, created, err
}

func openFIFO(path string, perm fs.FileMode) (f *os.File, created bool, err error) {
	if err := syscall.Mkfifo(path, uint32(perm.Perm())); err == nil {
		created = true
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, false, &fs.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, created, err
	}
	if fi.Mode().Type() != fs.ModeNamedPipe {
		return nil, false, fmt.Errorf("raw: %s exists and is not a FIFO (%v)", path, fi.Mode().Type())
	}
	f, err = os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		if created {
			os.Remove(path)
		}
		return nil, false, err
	}
	return f, created, nil
}
