package fops

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestZipGzipPassthrough(t *testing.T) {
	html := bytes.Repeat([]byte("<p>Candide was a young man of very gentle manners.</p>\n"), 200)
	b := makeZip(t, []zipEntry{
		{name: "candide.html", data: html, method: zip.Deflate},
		{name: "img/stored.jpg", data: []byte("\xff\xd8\xff\xe0 not really a jpeg"), method: zip.Store},
		{name: "empty.txt", data: nil, method: zip.Deflate},
	})
	path := filepath.Join(t.TempDir(), "t.zip")
	os.WriteFile(path, b, 0o644)
	z, err := OpenZip(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	csize := int64(zr.File[0].CompressedSize64)

	f, err := z.OpenFile("candide.html", AcceptGzip)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Flags().Has(IsGzip | Virtual | ModTimeValid | AcceptGzip) {
		t.Errorf("flags %#x", f.Flags())
	}
	if f.Length() != 10+csize+8 {
		t.Errorf("gzip length %d, want 18 + %d", f.Length(), csize)
	}
	gz, _ := io.ReadAll(f)
	if int64(len(gz)) != f.Length() {
		t.Errorf("read %d of %d gzip bytes", len(gz), f.Length())
	}
	// The middle is the archive's own compressed bytes, untouched.
	raw, _ := zr.File[0].OpenRaw()
	rawBytes, _ := io.ReadAll(raw)
	if !bytes.Equal(gz[10:len(gz)-8], rawBytes) {
		t.Error("the gzip body is not the archive's raw deflate data")
	}
	zg, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zg) // checks CRC-32 and ISIZE
	if err != nil || !bytes.Equal(plain, html) {
		t.Fatalf("gunzip: %d bytes, %v", len(plain), err)
	}
	if !zg.ModTime.Equal(modTime) {
		t.Errorf("gzip MTIME %v, want %v", zg.ModTime, modTime)
	}
	// Ranges of the gzip stream.
	f.Seek(-8, io.SeekEnd)
	trl := make([]byte, 16)
	n, _ := f.Read(trl)
	if n != 8 || !bytes.Equal(trl[:8], gz[len(gz)-8:]) {
		t.Errorf("trailer read %d: %x", n, trl[:n])
	}
	f.Close()

	// Without AcceptGzip: inflated, same bytes.
	f, err = z.OpenFile("candide.html", 0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Flags().Has(IsGzip) || f.Length() != int64(len(html)) {
		t.Errorf("inflating: flags %#x length %d", f.Flags(), f.Length())
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, html) {
		t.Errorf("inflated %d bytes, %v", len(got), err)
	}
	f.Close()

	// A stored entry is served as is, gzip accepted or not.
	f, err = z.OpenFile("img/stored.jpg", AcceptGzip)
	if err != nil {
		t.Fatal(err)
	}
	if f.Flags().Has(IsGzip) {
		t.Error("stored entry flagged IsGzip")
	}
	got, _ = io.ReadAll(f)
	f.Close()
	if string(got) != "\xff\xd8\xff\xe0 not really a jpeg" {
		t.Errorf("stored: %q", got)
	}
	// An empty deflated entry.
	f, _ = z.OpenFile("empty.txt", 0)
	if got, err := io.ReadAll(f); err != nil || len(got) != 0 {
		t.Errorf("empty: %q %v", got, err)
	}
	f.Close()
	if _, err := z.OpenFile("img", 0); !errors.Is(err, ErrIsDir) {
		t.Errorf("implicit directory: %v", err)
	}
}

// rawEntry writes an entry whose header says what the test wants, whatever
// its data is.
func rawZip(t *testing.T, data []byte, declared uint64, crc uint32) *Zip {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "x", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared}
	raw, err := w.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(comp.Bytes())
	w.Close()
	z, err := NewZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestZipBombAndCorruption(t *testing.T) {
	big := make([]byte, 10<<20) // 10 MiB of zeros: deflates to ~10 KB
	tests := []struct {
		name     string
		data     []byte
		declared uint64
		crc      uint32
	}{
		{"inflates past its declared size", big, 1000, crc32.ChecksumIEEE(big[:1000])},
		{"shorter than declared", []byte("short"), 1000, 0},
		{"bad checksum", []byte("hello, world"), 12, 0xdeadbeef},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := rawZip(t, tt.data, tt.declared, tt.crc)
			f, err := z.OpenFile("x", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := io.ReadAll(f)
			if !errors.Is(err, ErrSize) {
				t.Errorf("err = %v, want ErrSize", err)
			}
			if uint64(len(got)) > tt.declared {
				t.Errorf("read %d bytes, more than the declared %d", len(got), tt.declared)
			}
			// Reading again from the end keeps failing.
			if _, err := f.Read(make([]byte, 10)); err == nil {
				t.Error("a later read succeeded")
			}
		})
	}
}

func TestZipRefusesWritesAndBadNames(t *testing.T) {
	b := makeZip(t, []zipEntry{{name: "../evil", data: []byte("x")}, {name: "ok", data: []byte("y")}})
	z, err := NewZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.OpenFile("../evil", 0); !errors.Is(err, ErrInvalidPath) {
		t.Errorf("../evil: %v", err)
	}
	if _, err := z.OpenFile("evil", 0); err == nil {
		t.Error("an entry named ../evil became reachable as evil")
	}
	if _, err := z.OpenFile("ok", Write|Create); !errors.Is(err, ErrReadOnly) {
		t.Errorf("write: %v", err)
	}
	if _, err := NewZip(bytes.NewReader([]byte("not a zip")), 9); err == nil {
		t.Error("NewZip accepted garbage")
	}
	if _, err := OpenZip(filepath.Join(t.TempDir(), "none.zip")); err == nil {
		t.Error("OpenZip of a missing file succeeded")
	}
}

// BenchmarkZipInflate reads a 2.4 MB deflated entry through the inflating
// File: the memory it allocates does not grow with the entry.
func BenchmarkZipInflate(b *testing.B) {
	data := bytes.Repeat([]byte("It is demonstrable that things cannot be otherwise than as they are. "), 35000)
	zb := makeZip(b, []zipEntry{{name: "x", data: data, method: zip.Deflate}})
	z, _ := NewZip(bytes.NewReader(zb), int64(len(zb)))
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, _ := z.OpenFile("x", 0)
		for {
			if _, err := f.Read(buf); err != nil {
				break
			}
		}
		f.Close()
	}
}
