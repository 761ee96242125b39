package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fast is the example with short intervals, for tests.
func fast(o options) extest.RunFunc {
	return func(ctx context.Context, addr string, out io.Writer) error {
		return serve(ctx, addr, o, out)
	}
}

// events requests url as an event stream, with Last-Event-ID if lastID is
// not empty, and returns the response and a reader of its events' ids.
func events(t *testing.T, url, lastID string) (*http.Response, func() (int, bool)) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	sc := bufio.NewScanner(resp.Body)
	next := func() (int, bool) {
		id := -1
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "id: "); ok {
				if id, err = strconv.Atoi(v); err != nil {
					t.Fatalf("bad id line %q", line)
				}
			}
			if line == "" && id >= 0 {
				return id, true
			}
		}
		return 0, false
	}
	return resp, next
}

func TestEvents(t *testing.T) {
	u := extest.Start(t, fast(options{interval: 20 * time.Millisecond}))
	defer http.DefaultClient.CloseIdleConnections()

	resp, err := http.Get(u + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `new EventSource("/events")`) {
		t.Fatalf("page: %q", b)
	}

	resp, next := events(t, u+"/events", "")
	if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); resp.StatusCode != 200 || ct != "text/event-stream" || cc != "no-cache" {
		t.Fatalf("response: %d, Content-Type %q, Cache-Control %q", resp.StatusCode, ct, cc)
	}
	for want := 1; want <= 3; want++ {
		if id, ok := next(); !ok || id != want {
			t.Fatalf("event %d: id %d (stream open: %v)", want, id, ok)
		}
	}

	_, next = events(t, u+"/events", "5")
	if id, ok := next(); !ok || id != 6 {
		t.Fatalf("after Last-Event-ID 5: id %d (stream open: %v), want 6", id, ok)
	}
}

func TestMaxEndsResponse(t *testing.T) {
	u := extest.Start(t, fast(options{interval: 10 * time.Millisecond, max: 3, retry: 100 * time.Millisecond}))
	defer http.DefaultClient.CloseIdleConnections()

	resp, next := events(t, u+"/events", "10")
	var ids []int
	for {
		id, ok := next()
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	if len(ids) != 3 || ids[0] != 11 || ids[2] != 13 {
		t.Fatalf("ids %v, want [11 12 13] then the end", ids)
	}
	resp.Body.Close()
}
