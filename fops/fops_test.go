package fops

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"
)

// content is what every implementation under test holds as "dir/a.txt".
var content = bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes

var modTime = time.Date(2024, 5, 6, 7, 8, 10, 0, time.UTC)

// implementations returns each read-capable FS holding dir/a.txt = content.
func implementations(t *testing.T) map[string]FS {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "dir"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "dir", "a.txt"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	mem := FromFS(fstest.MapFS{"dir/a.txt": {Data: content, ModTime: modTime}})
	return map[string]FS{
		"root":        root,
		"iofs":        mem,
		"zip-deflate": zipFS(t, zip.Deflate),
		"zip-store":   zipFS(t, zip.Store),
		"overlay":     Overlay{FromFS(fstest.MapFS{"other": {}}), mem},
	}
}

func zipFS(t *testing.T, method uint16) *Zip {
	t.Helper()
	b := makeZip(t, []zipEntry{{name: "dir/a.txt", data: content, method: method}})
	z, err := NewZip(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

type zipEntry struct {
	name   string
	data   []byte
	method uint16
}

func makeZip(t testing.TB, entries []zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: e.method, Modified: modTime})
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadSeekTell(t *testing.T) {
	for name, fsys := range implementations(t) {
		t.Run(name, func(t *testing.T) {
			f, err := fsys.OpenFile("dir/a.txt", 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Length() != int64(len(content)) || f.Tell() != 0 {
				t.Fatalf("length %d tell %d", f.Length(), f.Tell())
			}
			if !f.Flags().Has(ModTimeValid) || f.ModTime().IsZero() {
				t.Errorf("flags %#x mod %v: want a valid mod time", f.Flags(), f.ModTime())
			}
			if virtual := f.Flags().Has(Virtual); virtual != (name != "root") {
				t.Errorf("Virtual = %v", virtual)
			}
			steps := []struct {
				off    int64
				whence int
				pos    int64
				read   int
			}{
				{0, io.SeekStart, 0, 16},
				{100, io.SeekCurrent, 116, 10},
				{-6, io.SeekEnd, 15994, 100}, // reads 6
				{5, io.SeekStart, 5, 3},
				{-5, io.SeekCurrent, 3, 1},
				{0, io.SeekEnd, 16000, 1}, // at the end: io.EOF
				{10, io.SeekEnd, 16010, 1},
				{8000, io.SeekStart, 8000, 4000},
				{1, io.SeekStart, 1, 2}, // backwards again
			}
			for _, s := range steps {
				pos, err := f.Seek(s.off, s.whence)
				if err != nil || pos != s.pos || f.Tell() != s.pos {
					t.Fatalf("Seek(%d,%d) = %d, %v; tell %d; want %d", s.off, s.whence, pos, err, f.Tell(), s.pos)
				}
				buf := make([]byte, s.read)
				n, err := io.ReadFull(f, buf)
				want := content[min(s.pos, int64(len(content))):min(s.pos+int64(s.read), int64(len(content)))]
				if !bytes.Equal(buf[:n], want) {
					t.Fatalf("after Seek to %d read %q, want %q (%v)", s.pos, buf[:n], want, err)
				}
				if n < s.read && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("short read ended with %v", err)
				}
				if f.Tell() != s.pos+int64(n) {
					t.Fatalf("tell %d after reading %d from %d", f.Tell(), n, s.pos)
				}
			}
			// Errors leave the position alone.
			for _, bad := range []struct {
				off    int64
				whence int
			}{{-1, io.SeekStart}, {-20000, io.SeekEnd}, {-4, io.SeekCurrent}, {0, 7}} {
				before := f.Tell()
				if pos, err := f.Seek(bad.off, bad.whence); err == nil || pos != before || f.Tell() != before {
					t.Errorf("Seek(%d,%d) = %d, %v; want an error at %d", bad.off, bad.whence, pos, err, before)
				}
			}
			if _, err := f.Write([]byte("x")); !errors.Is(err, ErrNotOpenForWriting) {
				t.Errorf("Write on a read-only file: %v", err)
			}
			// Whole content from the top.
			f.Seek(0, io.SeekStart)
			all, err := io.ReadAll(f)
			if err != nil || !bytes.Equal(all, content) {
				t.Fatalf("ReadAll: %d bytes, %v", len(all), err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	for name, fsys := range implementations(t) {
		t.Run(name, func(t *testing.T) {
			tests := []struct {
				name  string
				flags Flag
				want  error
			}{
				{"missing", 0, fs.ErrNotExist},
				{"dir/missing", 0, fs.ErrNotExist},
				{"dir", 0, ErrIsDir},
				{"../dir/a.txt", 0, ErrInvalidPath},
				{"/dir/a.txt", 0, ErrInvalidPath},
				{"dir/./a.txt", 0, ErrInvalidPath},
				{"dir/a.txt", Create, fs.ErrInvalid},
				{"dir/a.txt", Truncate | Read, fs.ErrInvalid},
				{"dir/a.txt", IsGzip, fs.ErrInvalid},
			}
			for _, tt := range tests {
				f, err := fsys.OpenFile(tt.name, tt.flags)
				if name == "overlay" && tt.want == ErrIsDir {
					continue // the top layer has no "dir", the lower one answers
				}
				if !errors.Is(err, tt.want) {
					if f != nil {
						f.Close()
					}
					t.Errorf("OpenFile(%q, %#x) = %v, want %v", tt.name, tt.flags, err, tt.want)
				}
			}
			if name != "root" {
				if _, err := fsys.OpenFile("dir/a.txt", Write); !errors.Is(err, fs.ErrPermission) {
					t.Errorf("open for writing: %v, want a permission error", err)
				}
			}
		})
	}
}

func TestRootWrite(t *testing.T) {
	dir := t.TempDir()
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := root.OpenFile("new", Write); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Write without Create on a missing file: %v", err)
	}
	f, err := root.OpenFile("new", Write|Create)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, ErrNotOpenForReading) {
		t.Errorf("Read on a write-only file: %v", err)
	}
	io.WriteString(f, "hello world")
	if f.Length() != 11 || f.Tell() != 11 {
		t.Errorf("after write: length %d tell %d", f.Length(), f.Tell())
	}
	f.Seek(6, io.SeekStart)
	io.WriteString(f, "WORLD!!")
	if f.Length() != 13 || f.Tell() != 13 {
		t.Errorf("after overwrite past the end: length %d tell %d", f.Length(), f.Tell())
	}
	f.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "new")); string(b) != "hello WORLD!!" {
		t.Errorf("file holds %q", b)
	}

	f, err = root.OpenFile("new", Read|Write)
	if err != nil {
		t.Fatal(err)
	}
	f.Seek(-2, io.SeekEnd)
	io.WriteString(f, "??")
	f.Seek(0, io.SeekStart)
	if b, _ := io.ReadAll(f); string(b) != "hello WORLD??" {
		t.Errorf("read-write file holds %q", b)
	}
	f.Close()

	f, err = root.OpenFile("new", Write|Truncate)
	if err != nil {
		t.Fatal(err)
	}
	if f.Length() != 0 {
		t.Errorf("truncated length %d", f.Length())
	}
	f.Close()
	if st, _ := os.Stat(filepath.Join(dir, "new")); st.Size() != 0 {
		t.Errorf("size after Truncate %d", st.Size())
	}
}

func TestRootNoEscape(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "inside"), []byte("ok"), 0o644)
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "abs-link")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	os.Symlink("../"+filepath.Base(outside)+"/secret", filepath.Join(dir, "rel-link"))
	os.Symlink(outside, filepath.Join(dir, "dir-link"))
	os.Symlink("inside", filepath.Join(dir, "ok-link"))
	root, err := OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, name := range []string{"abs-link", "rel-link", "dir-link/secret"} {
		f, err := root.OpenFile(name, 0)
		if !errors.Is(err, ErrEscapes) {
			if f != nil {
				f.Close()
			}
			t.Errorf("OpenFile(%q) = %v, want ErrEscapes", name, err)
		}
	}
	for _, name := range []string{"..", "../" + filepath.Base(outside) + "/secret", outside + "/secret", "a\x00b"} {
		if _, err := root.OpenFile(name, 0); err == nil {
			t.Errorf("OpenFile(%q) succeeded", name)
		}
	}
	f, err := root.OpenFile("ok-link", 0)
	if err != nil {
		t.Fatalf("a link inside the root: %v", err)
	}
	f.Close()
}

func TestOverlayAndFunc(t *testing.T) {
	disk := FromFS(fstest.MapFS{"index.html": {Data: []byte("disk index")}, "about.html": {Data: []byte("disk about")}})
	mem := FromFS(fstest.MapFS{"about.html": {Data: []byte("memory about")}})
	calls := 0
	counting := FSFunc(func(name string, flags Flag) (File, error) {
		calls++
		return Overlay{mem, disk}.OpenFile(name, flags)
	})
	tests := []struct{ name, want string }{
		{"about.html", "memory about"},
		{"index.html", "disk index"},
		{"none", ""},
	}
	for _, tt := range tests {
		f, err := counting.OpenFile(tt.name, 0)
		if tt.want == "" {
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s: %v, want not-exist", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, b, tt.want)
		}
	}
	if calls != len(tests) {
		t.Errorf("FSFunc called %d times", calls)
	}
	if _, err := (Overlay{}).OpenFile("x", 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty overlay: %v", err)
	}
	// An error other than not-exist ends the search.
	if _, err := (Overlay{mem, disk}).OpenFile("index.html", Write); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("write through the overlay: %v", err)
	}
}
