package fops

import (
	"archive/zip"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"
)

// Zip is an FS of the entries of a .zip archive (lws's zip fops). Its
// files are Virtual and read-only. A deflated entry opened with AcceptGzip
// is handed out as a gzip stream built around the entry's own compressed
// bytes — a 10-byte header, the raw deflate data, then the CRC-32 and size
// from the archive's central directory — and flagged IsGzip; opened without
// it, the entry is inflated as it is read, through one flate reader, and a
// stream that inflates past the size the archive declares, stops short of
// it, or fails its checksum gives ErrSize at the end instead of io.EOF (and
// the bytes of the read that found out are withheld).
// Stored entries are read as they are.
//
// Entries whose names are not valid io/fs names (absolute, with ".." …)
// are ignored: they cannot be opened.
type Zip struct {
	r      *zip.Reader
	closer io.Closer
	files  map[string]*zip.File
	dirs   map[string]bool
}

var _ FS = (*Zip)(nil)

// OpenZip opens the archive at path. Close it when done.
func OpenZip(path string) (*Zip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	z, err := NewZip(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fops: %s: %w", path, err)
	}
	z.closer = f
	return z, nil
}

// NewZip reads the archive of size bytes in ra (an *os.File, a
// *bytes.Reader of embedded data …). ra must stay readable while the Zip
// is used.
func NewZip(ra io.ReaderAt, size int64) (*Zip, error) {
	r, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, err
	}
	z := &Zip{r: r, files: map[string]*zip.File{}, dirs: map[string]bool{".": true}}
	for _, f := range r.File {
		name := strings.TrimSuffix(f.Name, "/")
		if !fs.ValidPath(name) || name == "." {
			continue
		}
		if strings.HasSuffix(f.Name, "/") || f.Mode().IsDir() {
			z.dirs[name] = true
		} else {
			z.files[name] = f
		}
		for i := strings.LastIndexByte(name, '/'); i > 0; i = strings.LastIndexByte(name, '/') {
			name = name[:i]
			z.dirs[name] = true
		}
	}
	return z, nil
}

// Close closes the archive file if OpenZip opened it.
func (z *Zip) Close() error {
	if z.closer == nil {
		return nil
	}
	return z.closer.Close()
}

// OpenFile opens the entry name.
func (z *Zip) OpenFile(name string, flags Flag) (File, error) {
	if err := checkFlags(name, flags); err != nil {
		return nil, err
	}
	if flags.Has(Write) {
		return nil, pathErr("open", name, ErrReadOnly)
	}
	if !fs.ValidPath(name) {
		return nil, pathErr("open", name, ErrInvalidPath)
	}
	f, ok := z.files[name]
	if !ok {
		if z.dirs[name] {
			return nil, pathErr("open", name, ErrIsDir)
		}
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	if f.Flags&1 != 0 {
		return nil, pathErr("open", name, fmt.Errorf("%w: encrypted entry", ErrUnsupported))
	}
	base := flags&openFlags | Virtual
	var mod time.Time
	if !f.Modified.IsZero() {
		mod = f.Modified
		base |= ModTimeValid
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	ra, ok := raw.(io.ReaderAt)
	if !ok { // archive/zip hands out an *io.SectionReader
		return nil, pathErr("open", name, fmt.Errorf("%w: raw reader %T cannot ReadAt", ErrUnsupported, raw))
	}
	size, csize := int64(f.UncompressedSize64), int64(f.CompressedSize64)
	if size < 0 || csize < 0 {
		return nil, pathErr("open", name, ErrSize)
	}
	switch f.Method {
	case zip.Store:
		if size != csize {
			return nil, pathErr("open", name, ErrSize)
		}
		return &readFile{fileMeta: fileMeta{name: name, flags: base, length: size, mod: mod}, rs: io.NewSectionReader(ra, 0, size)}, nil
	case zip.Deflate:
		if flags.Has(AcceptGzip) {
			g := gzipFraming(f, ra, csize)
			return &readFile{fileMeta: fileMeta{name: name, flags: base | IsGzip, length: g.size(), mod: mod}, rs: io.NewSectionReader(g, 0, g.size())}, nil
		}
		return &inflateFile{fileMeta: fileMeta{name: name, flags: base, length: size, mod: mod}, raw: ra, csize: csize, want: f.CRC32}, nil
	}
	return nil, pathErr("open", name, fmt.Errorf("%w: method %d", ErrUnsupported, f.Method))
}

// gzipFraming wraps the raw deflate data of f (csize bytes at ra) into a
// gzip member: RFC 1952 header, the data, CRC-32 and ISIZE trailer.
func gzipFraming(f *zip.File, ra io.ReaderAt, csize int64) concatReaderAt {
	hdr := make([]byte, 10)
	hdr[0], hdr[1], hdr[2] = 0x1f, 0x8b, 8 // magic, deflate
	if u := f.Modified.Unix(); u > 0 && u <= 0xffffffff {
		binary.LittleEndian.PutUint32(hdr[4:8], uint32(u))
	}
	hdr[9] = 255 // OS unknown
	trl := make([]byte, 8)
	binary.LittleEndian.PutUint32(trl[0:4], f.CRC32)
	binary.LittleEndian.PutUint32(trl[4:8], uint32(f.UncompressedSize64))
	return concatReaderAt{
		{data: hdr, size: 10},
		{ra: ra, size: csize},
		{data: trl, size: 8},
	}
}

// concatReaderAt reads its parts one after the other.
type concatReaderAt []part

type part struct {
	data []byte
	ra   io.ReaderAt
	size int64
}

func (c concatReaderAt) size() int64 {
	var n int64
	for _, p := range c {
		n += p.size
	}
	return n
}

func (c concatReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for _, p := range c {
		if len(b) == 0 {
			break
		}
		if off >= p.size {
			off -= p.size
			continue
		}
		want := b[:min(int64(len(b)), p.size-off)]
		var m int
		var err error
		if p.data != nil {
			m = copy(want, p.data[off:])
		} else {
			m, err = p.ra.ReadAt(want, off)
			if err == io.EOF && m == len(want) {
				err = nil
			}
		}
		n += m
		if err != nil {
			return n, err
		}
		if m < len(want) {
			return n, io.ErrUnexpectedEOF
		}
		b, off = b[m:], 0
	}
	if len(b) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// inflateFile inflates a deflated entry as it is read. Seeking is lazy:
// Read moves the stream to the position, going on from where it is or
// starting again from the top; memory stays at one flate reader whatever
// the entry's size.
type inflateFile struct {
	fileMeta // length: the declared uncompressed size
	raw      io.ReaderAt
	csize    int64
	want     uint32

	src    io.ReadCloser // flate reader, nil until needed
	srcPos int64         // bytes inflated from src so far
	crc    hash.Hash32
	err    error // sticky stream error, until a restart
	broken error // the entry failed verification: every Read fails
}

func (f *inflateFile) Read(p []byte) (int, error) {
	if f.broken != nil {
		return 0, f.broken
	}
	if f.pos >= f.length {
		if f.src != nil && f.srcPos == f.length && f.err == nil {
			f.err = f.finish()
		}
		if f.err != nil && f.err != io.EOF {
			return 0, f.err
		}
		return 0, io.EOF
	}
	if f.src == nil || f.srcPos > f.pos {
		f.restart()
	}
	if f.srcPos < f.pos {
		if _, err := io.CopyN(io.Discard, readerFunc(f.inflate), f.pos-f.srcPos); err != nil {
			return 0, err
		}
	}
	n, err := f.inflate(p)
	f.pos += int64(n)
	return n, err
}

type readerFunc func([]byte) (int, error)

func (r readerFunc) Read(p []byte) (int, error) { return r(p) }

func (f *inflateFile) restart() {
	if f.src != nil {
		f.src.Close()
	}
	f.src = flate.NewReader(io.NewSectionReader(f.raw, 0, f.csize))
	f.srcPos, f.err = 0, nil
	if f.crc == nil {
		f.crc = crc32.NewIEEE()
	}
	f.crc.Reset()
}

// inflate reads the stream, never past the declared length; reaching it,
// it checks that the stream ends there and the checksum matches.
func (f *inflateFile) inflate(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	p = p[:min(int64(len(p)), f.length-f.srcPos)]
	if len(p) == 0 {
		f.err = f.finish()
		return 0, f.err
	}
	n, err := f.src.Read(p)
	f.crc.Write(p[:n])
	f.srcPos += int64(n)
	switch {
	case err == io.EOF && f.srcPos < f.length:
		f.err = pathErr("read", f.name, fmt.Errorf("%w: inflated %d of %d bytes", ErrSize, f.srcPos, f.length))
	case err != nil && err != io.EOF:
		f.err = pathErr("read", f.name, err)
	case f.srcPos == f.length:
		f.err = f.finish()
	}
	switch {
	case f.err == io.EOF:
		return n, nil // the next Read says io.EOF
	case f.err != nil && f.srcPos == f.length:
		// The stream failed its check at the end: withhold these last
		// bytes, so a copy of the content comes out short, not plausible.
		f.broken = f.err
		return 0, f.err
	}
	return n, f.err
}

// finish checks, at the declared length, that the stream ends and its
// CRC-32 matches. It returns io.EOF when all is well.
func (f *inflateFile) finish() error {
	var one [1]byte
	n, err := io.ReadFull(f.src, one[:])
	if n > 0 {
		return pathErr("read", f.name, fmt.Errorf("%w: inflates past its declared %d bytes", ErrSize, f.length))
	}
	if err != io.EOF {
		return pathErr("read", f.name, err)
	}
	if f.want != 0 && f.crc.Sum32() != f.want {
		return pathErr("read", f.name, fmt.Errorf("%w: CRC-32 %08x, archive says %08x", ErrSize, f.crc.Sum32(), f.want))
	}
	return io.EOF
}

func (f *inflateFile) Write([]byte) (int, error) {
	return 0, pathErr("write", f.name, ErrNotOpenForWriting)
}

func (f *inflateFile) Seek(offset int64, whence int) (int64, error) {
	return f.seek(offset, whence, nil) // Read moves the stream
}

func (f *inflateFile) Close() error {
	if f.src != nil {
		f.src.Close()
		f.src = nil
	}
	return nil
}
