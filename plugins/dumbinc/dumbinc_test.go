package dumbinc_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/plugins/dumbinc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t *testing.T) string {
	t.Helper()
	return lwstest.WS(lwstest.Serve(t, lws.VhostOptions{Protocols: []*lws.Protocol{lws.Plugin(dumbinc.Name)}}))
}

func next(t *testing.T, ctx context.Context, c *websocket.Conn) int {
	t.Helper()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatalf("%q is not a number", b)
	}
	return n
}

func TestCountResetClose(t *testing.T) {
	url := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{dumbinc.Name}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	start := time.Now()
	for want := range 5 {
		if got := next(t, ctx, c); got != want {
			t.Fatalf("got %d, want %d", got, want)
		}
	}
	if el := time.Since(start); el < 4*dumbinc.Interval {
		t.Fatalf("5 numbers in %v: faster than one per %v", el, dumbinc.Interval)
	}
	c.Write(ctx, websocket.MessageText, []byte("reset\n"))
	for i := 0; next(t, ctx, c) != 0; i++ {
		if i > 5 {
			t.Fatal("reset\\n did not restart the count")
		}
	}
	c.Write(ctx, websocket.MessageText, []byte("closeme\n"))
	for {
		if _, _, err := c.Read(ctx); err != nil {
			var ce websocket.CloseError
			if websocket.CloseStatus(err) != websocket.StatusGoingAway || !errors.As(err, &ce) || ce.Reason != "seeya" {
				t.Fatalf("closeme: %v, want 1001 seeya", err)
			}
			return
		}
	}
}
