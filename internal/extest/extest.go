// Package extest starts example programs inside their tests: it runs an
// example's run function on a loopback port, waits for the line
// "listening on URL" it prints, and stops it when the test ends.
package extest

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// RunFunc is the shape of every example's run function: serve on addr until
// ctx ends, printing "listening on URL" to out once ready.
type RunFunc func(ctx context.Context, addr string, out io.Writer) error

// Start runs fn on 127.0.0.1:0 and returns the URL it listens on. When the
// test ends it cancels fn's context and fails the test if fn returned an
// error or took more than 15 s to stop.
func Start(t testing.TB, fn RunFunc) string {
	t.Helper()
	return StartN(t, fn, 1)[0]
}

// StartN is Start for an example that listens on n URLs (printing a
// "listening on URL" line for each); it returns them in printed order.
func StartN(t testing.TB, fn RunFunc, n int) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := fn(ctx, "127.0.0.1:0", pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	urls := make(chan string, n)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case urls <- u:
				default:
				}
			}
		}
		io.Copy(io.Discard, pr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("example returned: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("example did not stop within 15 s")
		}
	})
	var got []string
	timeout := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case u := <-urls:
			got = append(got, u)
		case err := <-done:
			done <- nil // let the cleanup return at once
			t.Fatalf("example ended before listening: %v", err)
		case <-timeout:
			t.Fatalf("example printed %d of %d URLs within 10 s", len(got), n)
		}
	}
	return got
}

// WS turns an http:// URL into its ws:// twin.
func WS(url string) string { return "ws" + strings.TrimPrefix(url, "http") }
