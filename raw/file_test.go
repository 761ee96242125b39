package raw_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/raw"
)

// collect is a session that sends each chunk's data to a channel.
func collect() (*session, <-chan string, <-chan error) {
	data := make(chan string, 16)
	closed := make(chan error, 1)
	return &session{
		receive: func(_ *conn.Conn, in conn.Chunk) error {
			if !in.First || !in.Final || in.Type != conn.Binary {
				return errors.New("raw file chunk without first/final or not binary")
			}
			data <- string(in.Data)
			return nil
		},
		closed: func(_ *conn.Conn, err error) { closed <- err },
	}, data, closed
}

func startFile(t *testing.T, f *os.File, sess conn.Session) *conn.Conn {
	t.Helper()
	c, err := conn.Start(raw.NewFile(f), nil, func(*conn.Conn) conn.Session { return sess }, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close(conn.StatusNormal, "")
		waitDone(t, c)
	})
	return c
}

// readUntil gathers chunks until they add up to want.
func readUntil(t *testing.T, data <-chan string, want string) {
	t.Helper()
	var got strings.Builder
	for got.Len() < len(want) {
		select {
		case s := <-data:
			got.WriteString(s)
		case <-time.After(10 * time.Second):
			t.Fatalf("read %q, want %q", got.String(), want)
		}
	}
	if got.String() != want {
		t.Fatalf("read %q, want %q", got.String(), want)
	}
}

func TestFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	f, created, err := raw.OpenFIFO(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("OpenFIFO did not report creating the FIFO")
	}
	if !raw.NewFile(f).Pollable() {
		t.Fatal("a FIFO from OpenFIFO is not pollable")
	}
	sess, data, closed := collect()
	c := startFile(t, f, sess)

	// Two writers one after the other: the first one's close is no end of
	// file, since the FIFO is open for writing by the connection itself.
	for _, msg := range []string{"hello\n", "again\n"} {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.WriteString(msg); err != nil {
			t.Fatal(err)
		}
		w.Close()
		readUntil(t, data, msg)
	}
	// Close interrupts the pending read.
	c.Close(conn.StatusNormal, "")
	waitDone(t, c)
	var ce *conn.CloseError
	if err := recvCause(t, closed); !errors.As(err, &ce) || ce.Code != conn.StatusNormal {
		t.Fatalf("Closed with %v after a local close", err)
	}

	// Opening it again finds the existing FIFO.
	f2, created, err := raw.OpenFIFO(path, 0o600)
	if err != nil || created {
		t.Fatalf("reopen: created %v, %v", created, err)
	}
	f2.Close()
}

func TestOpenFIFOErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"not a FIFO", regular, "is not a FIFO"},
		{"no such directory", filepath.Join(dir, "missing", "fifo"), "mkfifo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, err := raw.OpenFIFO(tt.path, 0o600)
			if err == nil {
				f.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	sess, data, closed := collect()
	startFile(t, r, sess)
	if _, err := w.WriteString("through a pipe"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, data, "through a pipe")
	w.Close()
	if err := recvCause(t, closed); !errors.Is(err, io.EOF) {
		t.Fatalf("Closed with %v, want EOF", err)
	}
}

func TestFileWriteable(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sess := &session{
		established: func(c *conn.Conn) error { c.RequestWritable(); return nil },
		writeable: func(c *conn.Conn) error {
			return c.Write(conn.Binary, []byte("written when writeable"))
		},
	}
	startFile(t, w, sess)
	got := make([]byte, len("written when writeable"))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != "written when writeable" {
		t.Fatalf("read %q, %v", got, err)
	}
}

// TestRegularFile reads a file the poller cannot wait on: it is read to its
// end, which ends the connection.
func TestRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte("contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if raw.NewFile(f).Pollable() {
		t.Fatal("a regular file reported pollable")
	}
	sess, data, closed := collect()
	startFile(t, f, sess)
	readUntil(t, data, "contents")
	if err := recvCause(t, closed); !errors.Is(err, io.EOF) {
		t.Fatalf("Closed with %v, want EOF", err)
	}
}
