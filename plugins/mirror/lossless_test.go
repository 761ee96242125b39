package mirror_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/plugins/mirror"
)

// TestLosslessMirrorHoldsTheSenderBack configures the mirror with the
// block policy: a member that stops reading holds the sender back (its rx
// goes off, TCP backpressure reaches it) instead of skipping, the server's
// memory stays bounded meanwhile, and once the member reads again it gets
// every message, in order.
func TestLosslessMirrorHoldsTheSenderBack(t *testing.T) {
	const ring, n, size = 16, 3000, 8 << 10
	v := lwstest.Serve(t, lws.VhostOptions{
		Protocols:       []*lws.Protocol{mirror.Protocol},
		ProtocolOptions: map[string]map[string]string{mirror.Name: {"ring-policy": "block", "ring-size": fmt.Sprint(ring)}},
	})
	url := lwstest.WS(v)
	vp := v.Protocol(mirror.Name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sender, slow := join(t, ctx, url), join(t, ctx, url)
	for mirror.Instances(vp)["default"] != 2 {
		if ctx.Err() != nil {
			t.Fatal("members did not join")
		}
		time.Sleep(time.Millisecond)
	}
	go func() { // the sender's own copies
		for {
			if _, _, err := sender.Read(ctx); err != nil {
				return
			}
		}
	}()
	before := testwait.HeapInUse()
	sent := make(chan error, 1)
	go func() {
		msg := make([]byte, size)
		for i := range n {
			copy(msg, fmt.Sprintf("%08d", i))
			if err := sender.Write(ctx, websocket.MessageBinary, msg); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// Wait for the sender to be held back: publishing stops short of n
	// while the slow member reads nothing.
	last, still := uint64(0), 0
	for still < 10 {
		if ctx.Err() != nil {
			t.Fatal("publishing never settled")
		}
		time.Sleep(20 * time.Millisecond)
		p := mirror.HubStats(vp).Published
		if p == last {
			still++
		} else {
			last, still = p, 0
		}
	}
	if last >= n {
		t.Fatalf("all %d messages were published with a member not reading: nothing was held back", n)
	}
	if grown := testwait.HeapInUse() - before; grown > 64*ring*size+8<<20 {
		t.Fatalf("heap grew by %d bytes while the sender was held back", grown)
	}
	for i := range n {
		_, got, err := slow.Read(ctx)
		if err != nil {
			t.Fatalf("slow member, message %d: %v", i, err)
		}
		if want := fmt.Sprintf("%08d", i); string(got[:8]) != want {
			t.Fatalf("slow member got %s, want %s: the mirror lost or reordered a message", got[:8], want)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
