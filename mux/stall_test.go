package mux

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/golws/lws/fops"
)

// TestWriteStallCutsClientThatStopsReading checks that a client that asks
// for a large file and then reads nothing is cut off after the vhost's
// write stall timeout: the handler returns and the connection closes,
// instead of holding both for ever.
func TestWriteStallCutsClientThatStopsReading(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "huge.bin"), bytes.Repeat([]byte{'x'}, 64<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := fops.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	v := &Vhost{Name: "stall", Mounts: Mounts{FileMount("/", root, nil)}, WriteStallTimeout: 200 * time.Millisecond}
	returned := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { returned <- struct{}{} }()
		v.ServeHTTP(w, r)
	}))
	defer srv.Close()

	nc, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(nc, "GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
	// And never read.
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still writes 10 s after the client stopped reading (stall timeout 200 ms)")
	}
	// And net/http has let the connection go: no goroutine serves it any
	// more (what the kernel still holds for a client that never reads is
	// the kernel's, bounded by its orphan limits).
	deadline := time.Now().Add(5 * time.Second)
	for connServing() {
		if time.Now().After(deadline) {
			t.Fatal("net/http still serves the connection 5 s after the handler returned")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connServing reports whether a net/http server goroutine is serving a
// connection.
func connServing() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Contains(buf, []byte("net/http.(*conn).serve"))
}

// TestWriteStallSlowReaderServed checks that a slow but steady client gets
// a file larger than one piece whole, and that a keep-alive connection's
// next response is not hit by a deadline left over.
func TestWriteStallSlowReaderServed(t *testing.T) {
	dir := t.TempDir()
	const size = 3<<20 + 123
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), bytes.Repeat([]byte{'y'}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := fops.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	v := &Vhost{Name: "stall", Mounts: Mounts{FileMount("/", root, nil)}, WriteStallTimeout: 300 * time.Millisecond}
	url, _ := serve(t, v)

	nc, err := net.Dial("tcp", url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	for i := range 2 {
		io.WriteString(nc, "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		got, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || got != size {
			t.Fatalf("request %d: %d of %d bytes: %v", i, got, size, err)
		}
		time.Sleep(400 * time.Millisecond) // longer than the stall timeout: the timing under test
	}
}
