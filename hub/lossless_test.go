package hub_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

// gateBackend is a Backend whose queue is full until opened, that counts
// the OnRoom waiters registered with it, and whose cancel, like a real
// backend's, waits for a delivery in progress.
type gateBackend struct {
	mu      sync.Mutex
	full    bool
	waiters []func()
	deliver func(*hub.Message)

	delivering sync.Mutex // held during a delivery, as NATS's handler does
}

func (b *gateBackend) Subscribe(topic string, deliver func(*hub.Message)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deliver = deliver
	return func() {
		b.delivering.Lock() // waits for a delivery in progress
		b.delivering.Unlock()
	}, nil
}

// send delivers m to the topic as the backend's receiving goroutine would;
// started is closed once the delivery is in progress.
func (b *gateBackend) send(m *hub.Message, started chan<- struct{}) {
	b.delivering.Lock()
	defer b.delivering.Unlock()
	if started != nil {
		close(started)
	}
	b.mu.Lock()
	d := b.deliver
	b.mu.Unlock()
	d(m)
}

func (b *gateBackend) Publish(topic string, m *hub.Message) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.full
}

func (b *gateBackend) OnRoom(f func()) {
	b.mu.Lock()
	if !b.full {
		b.mu.Unlock()
		f()
		return
	}
	b.waiters = append(b.waiters, f)
	b.mu.Unlock()
}

// open empties the queue and runs the waiters.
func (b *gateBackend) open() {
	b.mu.Lock()
	b.full = false
	run := b.waiters
	b.waiters = nil
	b.mu.Unlock()
	for _, f := range run {
		f()
	}
}

func (b *gateBackend) waiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiters)
}

func (b *gateBackend) Close() error { return nil }

// Closing a lossless topic while the backend's delivery waits for room in
// it (a subscriber stalled) returns without waiting for the hub to close.
func TestTopicCloseEndsDeliveryWaitingForRoom(t *testing.T) {
	b := &gateBackend{}
	h := hub.New(hub.Options{Size: 1, Policy: flow.Block, Backend: b})
	defer h.Close()
	tp := open(t, h, "lossless")
	sub := tp.Subscribe(nil) // never reads
	defer sub.Close()
	b.send(msg("fills the ring"), nil)
	started := make(chan struct{})
	delivered := make(chan struct{})
	go func() {
		defer close(delivered)
		b.send(msg("waits for room"), started)
	}()
	<-started
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		tp.Close()
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Topic.Close still waiting for the delivery after 10 s")
	}
	<-delivered
}

// Publish calls that give up on a full lossless topic do not each leave a
// waiter behind with the backend, and one waiting Publish goes on once
// there is room.
func TestPublishGivingUpLeavesNoWaiters(t *testing.T) {
	b := &gateBackend{full: true}
	h := hub.New(hub.Options{Policy: flow.Block, Backend: b})
	defer h.Close()
	tp := open(t, h, "lossless")
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	for range 1000 {
		if err := tp.Publish(expired, msg("x")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Publish on a full topic with an ended context: %v", err)
		}
	}
	if n := b.waiting(); n > 1 {
		t.Fatalf("%d OnRoom waiters left by 1000 abandoned Publish calls", n)
	}
	done := make(chan error, 1)
	go func() { done <- tp.Publish(context.Background(), msg("y")) }()
	b.open()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Publish still waiting 10 s after the queue had room")
	}
}
