package mux

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/golws/lws/fops"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFileMountNameTooLong: a path component longer than a file name may
// be (255 bytes), or a path longer than the system's limit, is a 404 (no
// such file can exist), and the log holds nothing of the size of the path.
func TestFileMountNameTooLong(t *testing.T) {
	v, _ := fileVhost(t, nil)
	var logs lockedBuffer
	v.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	url, client := serve(t, v)
	paths := map[string]string{
		"300-byte component":      "/" + strings.Repeat("a", 300),
		"300-byte nested":         "/sub/" + strings.Repeat("b", 300) + ".html",
		"very long path":          "/" + strings.Repeat(strings.Repeat("c", 200)+"/", 2000) + "x",
		"100 KB single component": "/" + strings.Repeat("d", 100<<10),
	}
	for name, p := range paths {
		for range 5 {
			resp, err := client.Get(url + p)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusRequestURITooLong {
				t.Fatalf("%s: %s, want 404 or 414", name, resp.Status)
			}
		}
	}
	if n := len(logs.String()); n > 4096 {
		t.Fatalf("%d bytes of log for 20 requests; want at most 4096:\n%.1000s…", n, logs.String())
	}
}

// TestLogValue: long values are cut at a character boundary and marked.
func TestLogValue(t *testing.T) {
	if got := logValue("short"); got != "short" {
		t.Fatalf("logValue(short) = %q", got)
	}
	long := strings.Repeat("é", 1000) // 2000 bytes
	got := logValue(long)
	if len(got) > maxLogValue+64 || !utf8.ValidString(got) || !strings.Contains(got, "2000 bytes") {
		t.Fatalf("logValue(2000 bytes) = %q (%d bytes)", got, len(got))
	}
}

// failingFS fails every open with an error that quotes the name, as
// *fs.PathError does.
type failingFS struct{}

func (failingFS) OpenFile(name string, _ fops.Flag) (fops.File, error) {
	return nil, fmt.Errorf("open %s: input/output error", name)
}

// TestFileMountErrorLogBounded: a file mount's warning for an unexpected
// error carries at most a bounded cut of the path and of the error, however
// long the request's path.
func TestFileMountErrorLogBounded(t *testing.T) {
	var logs lockedBuffer
	v := &Vhost{Name: "test", Mounts: Mounts{FileMount("/", failingFS{}, nil)},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	url, client := serve(t, v)
	for range 5 {
		resp, err := client.Get(url + "/" + strings.Repeat("e", 200<<10))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("%s, want 500", resp.Status)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "truncated") {
		t.Fatalf("no truncation marker in the log: %.500s", out)
	}
	if n := len(out); n > 5*2*(maxLogValue+200) {
		t.Fatalf("%d bytes of log for 5 requests:\n%.1000s…", n, out)
	}
}
