package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/client"
	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// enough is what each direction must move: four times what the socket
// buffers hold when the two directions block each other (about 4 MB).
const enough = 16 << 20

// streamOpts streams until both directions have moved enough (a second or
// two, even with -race on a busy machine), for at most 10 s.
func streamOpts(mode string) options {
	return options{mode: mode, addr: "127.0.0.1:0", size: 64 << 10, duration: 10 * time.Second, bytes: enough}
}

// stallWatch keeps the example's output and ends the run (cancel) at the
// first per-second report where a direction moved nothing: the directions
// have stalled, no need to wait for the duration to pass.
type stallWatch struct {
	bytes.Buffer
	cancel  context.CancelFunc
	stalled string
}

func (w *stallWatch) Write(p []byte) (int, error) {
	if w.stalled == "" && (bytes.HasPrefix(p, []byte("up 0.0 MB/s")) || bytes.Contains(p, []byte("down 0.0 MB/s"))) {
		w.stalled = strings.TrimSpace(string(p))
		w.cancel()
	}
	return w.Buffer.Write(p)
}

// duplex runs the example with o and checks that both directions moved
// enough, and that the summary it printed says so.
func duplex(t *testing.T, o options) {
	t.Helper()
	type result struct {
		up, down int64
		err      error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &stallWatch{cancel: cancel}
	done := make(chan result, 1)
	go func() {
		up, down, err := run(ctx, o, out)
		done <- result{up, down, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("ws-duplex did not end within 20 s (it streams for at most %v): the connection is stuck", o.duration)
	}
	if out.stalled != "" || r.up < enough || r.down < enough {
		why := fmt.Sprintf("did not reach %d each way within %v", enough, o.duration)
		if out.stalled != "" {
			why = fmt.Sprintf("a direction stalled for a whole second (%q)", out.stalled)
		}
		t.Fatalf("up %d bytes, down %d bytes: %s; one direction held the other back "+
			"(a send that waits must not stop or starve reception); run: %v\noutput:\n%s",
			r.up, r.down, why, r.err, out)
	}
	if r.err != nil {
		t.Fatalf("run: %v\noutput:\n%s", r.err, out)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("output:\n%s", out)
	}
	var up, down int64
	var d string
	if _, err := fmt.Sscanf(lines[len(lines)-1], "total up %d bytes down %d bytes in %s", &up, &down, &d); err != nil || up != r.up || down != r.down {
		t.Fatalf("summary line %q (%v), want up %d down %d", lines[len(lines)-1], err, r.up, r.down)
	}
	var upRate, downRate float64
	if _, err := fmt.Sscanf(lines[len(lines)-2], "up %f MB/s down %f MB/s average", &upRate, &downRate); err != nil || upRate <= 0 || downRate <= 0 {
		t.Fatalf("average line %q: %v", lines[len(lines)-2], err)
	}
	t.Logf("output:\n%s", out)
}

func TestBoth(t *testing.T) {
	duplex(t, streamOpts("both"))
}

func TestServerAndClient(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		o := streamOpts("server")
		o.addr = addr
		_, _, err := run(ctx, o, out)
		return err
	})
	o := streamOpts("client")
	o.url = extest.WS(url)
	duplex(t, o)
}

func TestRefused(t *testing.T) {
	o := streamOpts("client")
	o.url = "ws://127.0.0.1:1"
	var ce *client.ConnectError
	if _, _, err := run(context.Background(), o, io.Discard); !errors.As(err, &ce) || ce.Failure != client.ConnectRefused {
		t.Fatalf("got %v, want a refused connection", err)
	}
}
