package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func readNumber(t *testing.T, ctx context.Context, c *websocket.Conn) int {
	t.Helper()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("not a number: %q", b)
	}
	return n
}

func TestCountsAndResets(t *testing.T) {
	url := extest.Start(t, run)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, extest.WS(url), &websocket.DialOptions{Subprotocols: []string{"dumb-increment-protocol"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	start := time.Now()
	for want := range 10 {
		if got := readNumber(t, ctx, c); got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	}
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("10 numbers in %v: faster than one per 50 ms", el)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("reset\n")); err != nil {
		t.Fatal(err)
	}
	// Numbers already on their way may arrive first; a 0 must follow soon.
	for i := 0; ; i++ {
		if readNumber(t, ctx, c) == 0 {
			break
		}
		if i > 5 {
			t.Fatal("no reset to 0")
		}
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("closeme\n")); err != nil {
		t.Fatal(err)
	}
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusGoingAway {
				t.Fatalf("closeme: %v, want close 1001", err)
			}
			break
		}
	}
}
