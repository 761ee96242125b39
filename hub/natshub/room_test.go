package natshub

import "testing"

// A waiter registered while the sender empties the queue, between OnRoom
// finding the queue full and the waiter being in place, still runs: nothing
// else would ever run it once the queue stays empty.
func TestOnRoomWhileSenderDrains(t *testing.T) {
	const size = 8
	b := &Backend{queue: make(chan outgoing, size), resume: size - size/4}
	for range size {
		b.queue <- outgoing{}
	}
	taken := 0
	onRoomRegistered = func() {
		// The sender takes everything meanwhile (its look at the waiters
		// comes after: it would wait for roomMu, or find no waiter yet).
		for len(b.queue) > 0 {
			<-b.queue
			taken++
		}
	}
	defer func() { onRoomRegistered = nil }()
	ran := false
	b.OnRoom(func() { ran = true })
	onRoomRegistered = nil
	if !ran {
		t.Fatal("OnRoom's waiter did not run though the queue emptied")
	}
	for range taken {
		b.afterSend()
	}
	if b.waiting.Load() || len(b.waiters) != 0 {
		t.Fatalf("waiting %v with %d waiters left after the queue emptied", b.waiting.Load(), len(b.waiters))
	}
	// A full queue keeps the waiter until the sender makes room.
	for range size {
		b.queue <- outgoing{}
	}
	ran = false
	b.OnRoom(func() { ran = true })
	if ran || !b.waiting.Load() {
		t.Fatalf("on a full queue: ran %v, waiting %v", ran, b.waiting.Load())
	}
	for range size - b.resume - 1 {
		<-b.queue
		b.afterSend()
	}
	if ran {
		t.Fatal("waiter ran above the resume threshold")
	}
	<-b.queue
	b.afterSend()
	if !ran || b.waiting.Load() {
		t.Fatalf("at the resume threshold: ran %v, waiting %v", ran, b.waiting.Load())
	}
}
