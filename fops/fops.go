package fops

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Flag is a set of open flags (lws_fop_flags_t). Some are given to OpenFile
// by the caller, others are set by the implementation on the File it
// returns; the zero Flag opens for reading.
type Flag uint32

// Flags the caller gives to OpenFile.
const (
	// Read opens for reading. Without Write it is implied.
	Read Flag = 1 << iota
	// Write opens for writing (with Read, for both).
	Write
	// Create creates the file if it does not exist (needs Write).
	Create
	// Truncate empties the file on open (needs Write).
	Truncate
	// AcceptGzip says the caller can take the content gzip-encoded (lws
	// LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP); an implementation holding
	// compressed data may then hand it out as is and set IsGzip.
	AcceptGzip
)

// Flags an implementation sets on the File it returns.
const (
	// Virtual marks a file whose name space is not reachable by the
	// platform's own file operations (lws LWS_FOP_FLAG_VIRTUAL).
	Virtual Flag = 1 << (16 + iota)
	// ModTimeValid says ModTime is known (lws LWS_FOP_FLAG_MOD_TIME_VALID).
	ModTimeValid
	// IsGzip says the content read is a gzip stream of the named file (lws
	// LWS_FOP_FLAG_COMPR_IS_GZIP); Length is the gzip stream's length.
	IsGzip
)

// openFlags are the flags that belong to the caller.
const openFlags = Read | Write | Create | Truncate | AcceptGzip

// Has reports whether every flag of g is set in f.
func (f Flag) Has(g Flag) bool { return f&g == g }

// FS is a file system in lws's sense: something that opens files.
type FS interface {
	// OpenFile opens name, a slash-separated relative name valid for
	// fs.ValidPath, with flags. A directory gives an error matching
	// ErrIsDir; a missing file one matching fs.ErrNotExist; a refused
	// name one matching ErrInvalidPath or ErrEscapes.
	OpenFile(name string, flags Flag) (File, error)
}

// File is an open file (lws_fop_fd_t). Read and Write move the position;
// Seek sets it (io.SeekStart, io.SeekCurrent, io.SeekEnd) and returns it;
// seeking before 0 is an error that leaves it unchanged, seeking past the
// end is allowed and later reads there return io.EOF.
type File interface {
	io.Reader
	io.Writer
	io.Seeker
	io.Closer
	// Tell returns the position (lws_vfs_tell).
	Tell() int64
	// Length returns the length of the content (lws_vfs_get_length),
	// including what was written past the old end.
	Length() int64
	// ModTime returns the modification time, or the zero time if Flags
	// lacks ModTimeValid.
	ModTime() time.Time
	// Flags returns the flags the file was opened with plus those the
	// implementation set (Virtual, ModTimeValid, IsGzip).
	Flags() Flag
}

// OSFile is implemented by Files that are files of the operating system
// (those of a Root), to hand out the *os.File underneath so it can be sent
// with zero copies (sendfile). Reading, writing or seeking the *os.File
// directly leaves the File's Tell and Length behind.
type OSFile interface {
	File
	OSFile() *os.File
}

// FSFunc makes an ordinary function an FS, to override or wrap another.
type FSFunc func(name string, flags Flag) (File, error)

// OpenFile calls f(name, flags).
func (f FSFunc) OpenFile(name string, flags Flag) (File, error) { return f(name, flags) }

// Errors of fops. Each comes wrapped in an *fs.PathError naming the
// operation and the file.
var (
	// ErrIsDir is the error of opening a directory as a file.
	ErrIsDir = errors.New("fops: is a directory")
	// ErrInvalidPath is the error for names Clean refuses: "..", NUL,
	// backslashes, absolute names.
	ErrInvalidPath = errors.New("fops: invalid path")
	// ErrEscapes is the error for a name that leads out of a Root, such as
	// through a symbolic link pointing outside.
	ErrEscapes = errors.New("fops: path escapes from the root")
	// ErrReadOnly is the error of writing to a file system or file that
	// cannot be written. It matches fs.ErrPermission.
	ErrReadOnly = fmt.Errorf("fops: read-only: %w", fs.ErrPermission)
	// ErrNotOpenForReading is the error of reading a file opened with
	// Write but not Read.
	ErrNotOpenForReading = errors.New("fops: not opened for reading")
	// ErrNotOpenForWriting is the error of writing a file opened without
	// Write, or one of a read-only file system.
	ErrNotOpenForWriting = errors.New("fops: not opened for writing")
	// ErrSize is the error of a zip entry whose content does not have the
	// size its archive declares (such as a zip bomb) or whose checksum
	// does not match.
	ErrSize = errors.New("fops: zip entry does not match its declared size or checksum")
	// ErrUnsupported is the error of a zip entry compressed with a method
	// other than store or deflate.
	ErrUnsupported = errors.New("fops: unsupported compression method")
)

// seekTo computes the position a Seek asks for, or an error.
func seekTo(pos, length, offset int64, whence int) (int64, error) {
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = pos
	case io.SeekEnd:
		base = length
	default:
		return pos, fmt.Errorf("fops: seek: invalid whence %d", whence)
	}
	n := base + offset
	if (offset > 0 && n < base) || n < 0 {
		return pos, fmt.Errorf("fops: seek to %d%+d: %w", base, offset, fs.ErrInvalid)
	}
	return n, nil
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// checkFlags refuses flag combinations that make no sense.
func checkFlags(name string, flags Flag) error {
	if flags&^openFlags != 0 {
		return pathErr("open", name, fmt.Errorf("fops: flags %#x are set by implementations, not callers: %w", uint32(flags&^openFlags), fs.ErrInvalid))
	}
	if flags&(Create|Truncate) != 0 && !flags.Has(Write) {
		return pathErr("open", name, fmt.Errorf("fops: Create and Truncate need Write: %w", fs.ErrInvalid))
	}
	return nil
}

// readable reports whether flags allow reading: Read, or no Write.
func readable(flags Flag) bool { return flags.Has(Read) || !flags.Has(Write) }
