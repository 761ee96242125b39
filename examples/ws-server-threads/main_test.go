package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func getStats(t *testing.T, url string) Stats {
	t.Helper()
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s Stats
	json.NewDecoder(resp.Body).Decode(&s)
	return s
}

func TestBothProducersReachEveryClient(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serve(ctx, addr, out, settings{interval: 5 * time.Millisecond})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var clients []*websocket.Conn
	for range 3 {
		c, _, err := websocket.Dial(ctx, extest.WS(url), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		clients = append(clients, c)
	}
	for i, c := range clients {
		last := map[int]int{0: -1, 1: -1}
		for seen := 0; seen < 40; seen++ {
			_, b, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var id, n int
			if _, err := fmt.Sscanf(string(b), "producer %d: message %d", &id, &n); err != nil {
				t.Fatalf("client %d: %q", i, b)
			}
			if n <= last[id] {
				t.Fatalf("client %d: producer %d went from %d to %d", i, id, last[id], n)
			}
			last[id] = n
		}
		if last[0] < 0 || last[1] < 0 {
			t.Fatalf("client %d heard only one producer: %v", i, last)
		}
	}
}

func TestSlowClientSkipsAhead(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serve(ctx, addr, out, settings{interval: time.Millisecond, size: 16 << 10})
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// A small receive buffer makes the client's TCP window fill quickly.
	dialer := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10)
		})
	}}
	hc := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	c, _, err := websocket.Dial(ctx, extest.WS(url), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	// Do not read while the producers make far more than the socket buffers
	// (at most a few MiB on loopback) and the ring together can hold: the
	// tail must be lapped.
	start := getStats(t, url).Produced
	for getStats(t, url).Produced < start+2000 {
		if ctx.Err() != nil {
			t.Fatal("producers stalled")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(b), "[skipped ") {
			break
		}
	}
	if getStats(t, url).Skipped == 0 {
		t.Fatal("skip notice sent but not counted")
	}
}
