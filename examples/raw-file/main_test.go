package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFIFOPrintsWhatIsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lws-test-raw")
	pr, pw := io.Pipe()
	lines := make(chan string, 16)
	go scanLines(pr, lines)
	url := extest.Start(t, func(ctx context.Context, _ string, out io.Writer) error {
		return run(ctx, path, io.MultiWriter(out, pw))
	})
	t.Cleanup(func() { pw.Close() })
	if url != "fifo:"+path {
		t.Fatalf("listening on %q", url)
	}
	for _, msg := range []string{"hello\n", "second writer\n"} {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, msg)
		w.Close()
		want := fmt.Sprintf("rx %d bytes: %q", len(msg), msg)
		expect(t, lines, want)
	}
}

// scanLines sends each line of r to lines until r ends.
func scanLines(r io.Reader, lines chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines <- sc.Text()
	}
	close(lines)
}

// expect waits for the line want, skipping others.
func expect(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before %q", want)
			}
			if l == want {
				return
			}
		case <-timeout:
			t.Fatalf("no line %q within 10 s", want)
		}
	}
}
