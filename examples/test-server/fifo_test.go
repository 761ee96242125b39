package main

import (
	"bufio"
	"context"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// instance is a test server started with serve.
type instance struct {
	url, fifo string
	stop      func() error // cancels and waits for serve to return
}

// startInstance runs serve on 127.0.0.1:0 and reads its raw-test FIFO path
// and URL from what it prints.
func startInstance(t *testing.T) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := serve(ctx, "127.0.0.1:0", "", "", pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	in := &instance{}
	in.stop = func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("the server did not stop within 15 s")
			return nil
		}
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, pr)
	}()
	timeout := time.After(10 * time.Second)
	for in.url == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the server ended before listening: %v", <-done)
			}
			if p, ok := strings.CutPrefix(l, "raw-test FIFO "); ok {
				in.fifo = p
			}
			if u, ok := strings.CutPrefix(l, "listening on "); ok {
				in.url = u
			}
		case <-timeout:
			t.Fatal("the server did not listen within 10 s")
		}
	}
	go func() { // drain the rest
		for range lines {
		}
	}()
	return in
}

func isFIFO(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode().Type() == fs.ModeNamedPipe
}

// TestFIFOPerInstance: two instances adopt FIFOs of their own in the
// temporary directory, and each removes its FIFO when it ends.
func TestFIFOPerInstance(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	a, b := startInstance(t), startInstance(t)
	for _, in := range []*instance{a, b} {
		if in.fifo == "" || filepath.Dir(in.fifo) != tmp || !isFIFO(in.fifo) {
			t.Fatalf("instance %s: FIFO %q, want one in %s", in.url, in.fifo, tmp)
		}
	}
	if a.fifo == b.fifo {
		t.Fatalf("both instances use the FIFO %s", a.fifo)
	}
	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a.fifo); !os.IsNotExist(err) {
		t.Fatalf("after the server ended, its FIFO %s: %v; want it removed", a.fifo, err)
	}
	if !isFIFO(b.fifo) {
		t.Fatalf("the other instance's FIFO %s went with the first", b.fifo)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(b.fifo); !os.IsNotExist(err) {
		t.Fatalf("after the server ended, its FIFO %s: %v; want it removed", b.fifo, err)
	}
}

// TestFIFONotAdoptedOnFailedBind: a server that cannot bind its port
// creates no FIFO and leaves the temporary directory as it was.
func TestFIFONotAdoptedOnFailedBind(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := serve(ctx, ln.Addr().String(), "", "", io.Discard); err == nil {
		t.Fatal("serve on a port in use succeeded")
	}
	ents, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("a failed start left %v in the temporary directory", ents)
	}
}

// TestLateHTTPRequestNotEchoed: a connection silent for longer than the
// raw fallback's old 2 s silence rule, then sending an HTTP request (a
// browser's spare connection), gets HTTP, not its bytes echoed.
func TestLateHTTPRequestNotEchoed(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	in := startInstance(t)
	defer in.stop()
	nc, err := net.Dial("tcp", strings.TrimPrefix(in.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The silence is the scenario, not a synchronisation.
	time.Sleep(2300 * time.Millisecond)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("a late GET got %q, %v; want an HTTP 200", line, err)
	}
}
