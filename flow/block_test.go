package flow

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBlockRingRefusesWhenFull(t *testing.T) {
	tests := []struct {
		size, resume int // resume: Len at which OnRoom callbacks run
	}{
		{1, 0},
		{3, 2},
		{4, 3},
		{8, 6},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			r := NewRing[int](tt.size, Block)
			if r.Policy() != Block {
				t.Fatalf("Policy = %v", r.Policy())
			}
			slow, fast := r.Subscribe(), r.Subscribe()
			for i := 1; i <= tt.size; i++ {
				if !r.Append(i) {
					t.Fatalf("Append %d refused below the ring's size", i)
				}
				drain(fast)
			}
			if r.Append(tt.size + 1) {
				t.Fatal("Append accepted with the slowest tail a full ring behind")
			}
			checkRing(t, r)
			var woke atomic.Int32
			r.OnRoom(func() { woke.Add(1) })
			r.OnRoom(func() { woke.Add(1) })
			for r.Len() > tt.resume+1 {
				slow.Next()
				if woke.Load() != 0 {
					t.Fatalf("waiters ran with Len %d above %d", r.Len(), tt.resume)
				}
			}
			slow.Next()
			if r.Len() != tt.resume || woke.Load() != 2 {
				t.Fatalf("Len %d, woke %d: want both waiters at Len %d", r.Len(), woke.Load(), tt.resume)
			}
			r.OnRoom(func() { woke.Add(1) }) // room already: runs at once
			if woke.Load() != 3 {
				t.Fatal("OnRoom with room did not run at once")
			}
			if !r.Append(tt.size + 1) {
				t.Fatal("Append refused after room was made")
			}
			if got := append(drain(slow), 0)[0]; tt.size > 1 && got != tt.size-tt.resume+1 {
				t.Fatalf("slow tail resumed at %d", got)
			}
			if slow.Skipped() != 0 || slow.Dropped() {
				t.Fatal("a Block ring skipped or dropped")
			}
			slow.Close()
			fast.Close()
			checkRing(t, r)
		})
	}
}

func TestBlockRingCloseMakesRoom(t *testing.T) {
	r := NewRing[int](2, Block)
	stuck := r.Subscribe()
	r.Append(1)
	r.Append(2)
	woke := make(chan struct{})
	r.OnRoom(func() { close(woke) })
	stuck.Close() // the only consumer leaves: everything is released
	select {
	case <-woke:
	default:
		t.Fatal("closing the slowest tail did not wake the producer")
	}
	if r.Len() != 0 || !r.Append(3) {
		t.Fatalf("Len %d after the last tail closed", r.Len())
	}
}

// TestBlockRingLossless has producers that wait for room whenever the ring
// refuses them and consumers of different speeds: every consumer gets every
// item, in order per producer, and the ring never holds more than its size.
func TestBlockRingLossless(t *testing.T) {
	const producers, perProducer, consumers, size = 3, 3000, 3, 16
	r := NewRing[item](size, Block)
	tails := make([]*Tail[item], consumers)
	sigs := make([]Signal, consumers)
	for i := range tails {
		tails[i], sigs[i] = r.Subscribe(), NewSignal()
	}
	var consumersWG, producersWG sync.WaitGroup
	counts := make([]int, consumers)
	done := make(chan struct{})
	for c := range consumers {
		consumersWG.Go(func() {
			last := make([]int, producers)
			for i := range last {
				last[i] = -1
			}
			for counts[c] < producers*perProducer {
				v, ok := tails[c].Next()
				if !ok {
					select {
					case <-sigs[c].C():
					case <-done:
						return
					}
					continue
				}
				if v.n != last[v.producer]+1 {
					t.Errorf("consumer %d: producer %d item %d after %d", c, v.producer, v.n, last[v.producer])
				}
				last[v.producer] = v.n
				counts[c]++
				if c == 0 && counts[c]%64 == 0 {
					time.Sleep(50 * time.Microsecond) // one slow consumer holds everyone back
				}
			}
		})
	}
	var refused atomic.Int64
	for p := range producers {
		producersWG.Go(func() {
			room := NewSignal()
			for i := 0; i < perProducer; {
				if !r.Append(item{p, i}) {
					refused.Add(1)
					r.OnRoom(room.Notify)
					<-room.C()
					continue
				}
				if r.Len() > size {
					t.Errorf("Len %d above size %d", r.Len(), size)
				}
				for _, s := range sigs {
					s.Notify()
				}
				i++
			}
		})
	}
	producersWG.Wait()
	finished := make(chan struct{})
	go func() { consumersWG.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		close(done)
		<-finished
		t.Fatalf("consumers stuck at %v", counts)
	}
	for c, tl := range tails {
		if counts[c] != producers*perProducer || tl.Skipped() != 0 || tl.Dropped() {
			t.Errorf("consumer %d: %d items, skipped %d, dropped %v", c, counts[c], tl.Skipped(), tl.Dropped())
		}
		tl.Close()
	}
	if refused.Load() == 0 {
		t.Error("no Append was refused: the ring never filled, so nothing was held back")
	}
}
