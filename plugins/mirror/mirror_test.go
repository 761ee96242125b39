package mirror_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/plugins/mirror"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs a vhost with the mirror protocol and returns its ws:// URL.
func serve(t *testing.T) (string, *lws.Vhost) {
	t.Helper()
	v := lwstest.Serve(t, lws.VhostOptions{Protocols: []*lws.Protocol{mirror.Protocol}})
	return lwstest.WS(v), v
}

func join(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{mirror.Name}})
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func expect(t *testing.T, ctx context.Context, c *websocket.Conn, typ websocket.MessageType, want []byte) {
	t.Helper()
	gotTyp, got, err := c.Read(ctx)
	if err != nil || gotTyp != typ || !bytes.Equal(got, want) {
		t.Fatalf("read %v %q, %v; want %v %q", gotTyp, got, err, typ, want)
	}
}

func TestEveryMemberOfAnInstanceReceives(t *testing.T) {
	url, v := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, b := join(t, ctx, url+"/?mirror=one"), join(t, ctx, url+"/?mirror=one")
	other := join(t, ctx, url+"/?mirror=two")
	for mirror.Instances(v.Protocol(mirror.Name))["one"] != 2 {
		if ctx.Err() != nil {
			t.Fatal("members did not join")
		}
		time.Sleep(time.Millisecond)
	}

	a.Write(ctx, websocket.MessageText, []byte("d #ff0000 1 2 3 4;"))
	for _, c := range []*websocket.Conn{a, b} {
		expect(t, ctx, c, websocket.MessageText, []byte("d #ff0000 1 2 3 4;"))
	}
	bin := []byte{0, 1, 2, 255}
	b.Write(ctx, websocket.MessageBinary, bin)
	for _, c := range []*websocket.Conn{a, b} {
		expect(t, ctx, c, websocket.MessageBinary, bin)
	}
	// A fragmented message arrives whole, in order with the others.
	w, _ := a.Writer(ctx, websocket.MessageText)
	big := bytes.Repeat([]byte("fragment "), 2000)
	for p := big; len(p) > 0; p = p[min(len(p), 5000):] {
		w.Write(p[:min(len(p), 5000)])
	}
	w.Close()
	for _, c := range []*websocket.Conn{a, b} {
		expect(t, ctx, c, websocket.MessageText, big)
	}
	// The other instance heard none of it: its first message is its own.
	other.Write(ctx, websocket.MessageText, []byte("mine"))
	expect(t, ctx, other, websocket.MessageText, []byte("mine"))
}

func TestTooBigMessageCloses(t *testing.T) {
	url, _ := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := join(t, ctx, url)
	c.Write(ctx, websocket.MessageBinary, make([]byte, mirror.MaxMessage+1))
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("got %v, want close 1009", err)
	}
}

func TestSlowMemberSkipsWithoutHoldingOthers(t *testing.T) {
	url, _ := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sender, fast, slow := join(t, ctx, url), join(t, ctx, url), join(t, ctx, url)
	_ = slow // never reads until the end: TCP fills, then its tail is lapped

	go func() { // the sender's own copies must be drained too
		for {
			if _, _, err := sender.Read(ctx); err != nil {
				return
			}
		}
	}()
	const n, size = 3000, 8 << 10
	before := testwait.HeapInUse()
	msg := make([]byte, size)
	for i := range n {
		copy(msg, fmt.Sprintf("%08d", i))
		if err := sender.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
		// The fast member keeps up: it gets every message, in order.
		_, got, err := fast.Read(ctx)
		if err != nil || string(got[:8]) != fmt.Sprintf("%08d", i) {
			t.Fatalf("fast member, message %d: %q, %v", i, got[:8], err)
		}
	}
	if grown := testwait.HeapInUse() - before; grown > 8*mirror.RingSize*size {
		t.Fatalf("heap grew by %d bytes for a stalled member", grown)
	}
	// The slow member gets a strictly increasing subsequence: it skipped.
	last, count := -1, 0
	for last < n-1 {
		_, got, err := slow.Read(ctx)
		if err != nil {
			t.Fatalf("slow member after %d messages: %v", count, err)
		}
		var i int
		fmt.Sscanf(string(got[:8]), "%d", &i)
		if i <= last {
			t.Fatalf("slow member went from %d to %d", last, i)
		}
		last = i
		count++
	}
	if count >= n {
		t.Fatalf("slow member got all %d messages: nothing was skipped, so the test did not stall it", n)
	}
}
