package rawtest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/rawtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a log destination safe for the connections' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs c until the test ends, then checks that Run returned nil.
// It returns a function that stops c early and waits for Run.
func start(t *testing.T, c *lws.Server) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Error(err)
				}
			case <-time.After(15 * time.Second):
				t.Error("Run did not end within 15 s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func TestRawEchoOnHTTPPort(t *testing.T) {
	c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:      "127.0.0.1:0",
		Protocols:   []*lws.Protocol{rawtest.Protocol},
		RawFallback: &lws.RawFallback{Protocol: rawtest.Name},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "http here")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, c)
	if vp := v.Protocol(rawtest.Name); vp.State != nil {
		t.Fatalf("state %v without a FIFO option", vp.State)
	}
	addr := v.Addr().String()

	big := make([]byte, 4<<20)
	rand.NewChaCha8([32]byte{3}).Read(big)
	tests := []struct {
		name string
		send [][]byte
	}{
		{"a line", [][]byte{[]byte("hello\r\n")}},
		{"lines that look like HTTP later", [][]byte{[]byte("hi\n"), []byte("GET / HTTP/1.1\r\n\r\n")}},
		{"binary", [][]byte{{0, 1, 2, 0xff, 0xfe}}},
		// Sent while the echo is not read back: the echo holds one chunk,
		// TCP pushes back, and all of it returns once read.
		{"4 MiB at once", [][]byte{big}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(20 * time.Second))
			for _, msg := range tt.send {
				werr := make(chan error, 1)
				go func() { _, err := nc.Write(msg); werr <- err }()
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(nc, got); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("echo of %d bytes: %v, equal %v", len(msg), err, bytes.Equal(got, msg))
				}
				if err := <-werr; err != nil {
					t.Fatal(err)
				}
			}
		})
	}

	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(v.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "http here" {
		t.Fatalf("HTTP on the same port: %q", b)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

// TestFIFO writes into the FIFO as several writers would, and checks that
// what they write reaches the hook and the log, and that Destroy removes a
// FIFO the protocol created but not one that was there before.
func TestFIFO(t *testing.T) {
	for _, existed := range []bool{false, true} {
		name := map[bool]string{false: "created", true: "existing"}[existed]
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lws-test-raw")
			if existed {
				if err := syscall.Mkfifo(path, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got := make(chan string, 64)
			p := rawtest.New(&rawtest.Options{FIFO: func(vp *lws.VhostProtocol, data []byte) {
				if vp.Protocol.Name == rawtest.Name {
					got <- string(data) // copied: data is valid only during the call
				}
			}})
			var log syncBuffer
			c := lws.New(&lws.Options{Logger: logging.NewLogger(&log, logging.LevelNotice)})
			v, err := c.NewVhost(lws.VhostOptions{
				Protocols:       []*lws.Protocol{p},
				ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: path}},
			})
			if err != nil {
				t.Fatal(err)
			}
			stop := start(t, c)
			if n := v.Protocol(rawtest.Name).Len(); n != 1 {
				t.Fatalf("%d connections, want the FIFO", n)
			}
			for _, msg := range []string{"hello\n", "second writer\n", strings.Repeat("x", 10000) + "\n"} {
				w, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := io.WriteString(w, msg); err != nil {
					t.Fatal(err)
				}
				w.Close()
				var all string
				for all != msg {
					select {
					case s := <-got:
						all += s
					case <-time.After(10 * time.Second):
						t.Fatalf("hook got %q within 10 s, want %q", all, msg)
					}
				}
			}
			stop()
			if l := log.String(); !strings.Contains(l, `level=NOTICE msg="raw-test: file rx"`) || !strings.Contains(l, `data="hello\n"`) {
				t.Errorf("log:\n%s", l)
			}
			_, err = os.Stat(path)
			if existed && err != nil {
				t.Errorf("the FIFO that was there is gone: %v", err)
			}
			if !existed && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the FIFO made by Init is still there: %v", err)
			}
		})
	}
}

func TestFIFOErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"a regular file", regular, "not a FIFO"},
		{"no such directory", filepath.Join(dir, "missing", "fifo"), "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
			_, err := c.NewVhost(lws.VhostOptions{
				Protocols:       []*lws.Protocol{rawtest.Protocol},
				ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: tt.path}},
			})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), rawtest.FIFOPathOption) {
				t.Fatalf("NewVhost: %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestDestroyWhenNewVhostFails: NewVhost fails after Init has adopted the
// FIFO; Destroy ends the connection and removes the FIFO (goleak checks
// the connection's goroutines).
func TestDestroyWhenNewVhostFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	_, err := c.NewVhost(lws.VhostOptions{
		Protocols:       []*lws.Protocol{rawtest.Protocol},
		ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: path}},
		RawFallback:     &lws.RawFallback{Protocol: rawtest.Name}, // needs Listen: fails after Init
	})
	if err == nil {
		t.Fatal("NewVhost succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the FIFO is still there: %v", err)
	}
}
