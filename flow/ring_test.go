package flow

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

var policies = []Policy{Skip, Drop}

// checkRing verifies the ring's internal invariants. Test items must be
// non-zero so that a slot holding a value can be told from a released one.
func checkRing[T comparable](t *testing.T, r *Ring[T]) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	size := uint64(len(r.buf))
	if r.lo > r.head || r.head-r.lo > size {
		t.Fatalf("lo %d head %d size %d: retained range out of bounds", r.lo, r.head, size)
	}
	if r.lo < r.head && r.at[r.slot(r.lo)] == 0 {
		t.Fatalf("lo %d retained with no tail at it", r.lo)
	}
	sum := 0
	for i, n := range r.at {
		seq := r.lo + (uint64(i)+uint64(len(r.at))-r.lo%uint64(len(r.at)))%uint64(len(r.at))
		if n < 0 || (n > 0 && seq > r.head) {
			t.Fatalf("at[%d] = %d outside [lo, head]", i, n)
		}
		sum += n
	}
	if sum != r.consumers {
		t.Fatalf("tails counted %d, consumers %d", sum, r.consumers)
	}
	var zero T
	for i, v := range r.buf {
		seq := r.lo + (uint64(i)+size-r.lo%size)%size // first seq >= lo in slot i
		if retained := seq < r.head; retained == (v == zero) {
			t.Fatalf("slot %d (seq %d, lo %d, head %d): retained=%v but value %v", i, seq, r.lo, r.head, retained, v)
		}
	}
}

func drain[T any](tl *Tail[T]) []T {
	var out []T
	for {
		v, ok := tl.Next()
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func equal(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestNewRingPanics(t *testing.T) {
	tests := []struct {
		size   int
		policy Policy
		want   string
	}{
		{0, Skip, "size must be positive, got 0"},
		{-3, Drop, "size must be positive, got -3"},
		{4, Policy(7), "unknown Policy(7)"},
	}
	for _, tt := range tests {
		func() {
			defer func() {
				msg := fmt.Sprint(recover())
				if !strings.Contains(msg, tt.want) {
					t.Errorf("NewRing(%d, %v) panic %q, want %q", tt.size, tt.policy, msg, tt.want)
				}
			}()
			NewRing[int](tt.size, tt.policy)
		}()
	}
}

func TestRingOrder(t *testing.T) {
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			r := NewRing[int](8, p)
			r.Append(-1) // no consumers: discarded
			if r.Len() != 0 {
				t.Fatalf("Len with no consumers = %d, want 0", r.Len())
			}
			a := r.Subscribe()
			for i := 1; i <= 5; i++ {
				r.Append(i)
			}
			b := r.Subscribe() // sees only what follows
			for i := 6; i <= 8; i++ {
				r.Append(i)
			}
			checkRing(t, r)
			if got := a.Lag(); got != 8 {
				t.Fatalf("a.Lag = %d, want 8", got)
			}
			if v, ok := a.Peek(); !ok || v != 1 {
				t.Fatalf("a.Peek = %d, %v; want 1, true", v, ok)
			}
			if got := drain(a); !equal(got, seq(1, 8)) {
				t.Fatalf("a saw %v", got)
			}
			if got := r.Len(); got != 3 {
				t.Fatalf("Len = %d, want 3 (b has not read 6..8)", got)
			}
			checkRing(t, r)
			if got := drain(b); !equal(got, seq(6, 8)) {
				t.Fatalf("b saw %v", got)
			}
			if r.Len() != 0 || a.Lag() != 0 || b.Lag() != 0 {
				t.Fatalf("after draining: Len %d, lags %d %d", r.Len(), a.Lag(), b.Lag())
			}
			if _, ok := a.Peek(); ok {
				t.Fatal("Peek on caught-up tail returned ok")
			}
			checkRing(t, r)
			if a.Skipped() != 0 || a.Dropped() || r.Consumers() != 2 {
				t.Fatalf("Skipped %d Dropped %v Consumers %d", a.Skipped(), a.Dropped(), r.Consumers())
			}
		})
	}
}

func TestRingLagging(t *testing.T) {
	const size, n = 4, 10
	tests := []struct {
		policy      Policy
		slowSees    []int
		skipped     uint64
		dropped     bool
		consumers   int
		lenAfterApp int
	}{
		{Skip, seq(n-size+1, n), n - size, false, 2, size},
		{Drop, nil, 0, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			r := NewRing[int](size, tt.policy)
			slow, fast := r.Subscribe(), r.Subscribe()
			var fastSaw []int
			for i := 1; i <= n; i++ {
				r.Append(i)
				fastSaw = append(fastSaw, drain(fast)...)
				checkRing(t, r)
				if r.Len() > size {
					t.Fatalf("Len %d above size %d", r.Len(), size)
				}
			}
			if !equal(fastSaw, seq(1, n)) {
				t.Fatalf("keeping-up tail saw %v", fastSaw)
			}
			if got := r.Len(); got != tt.lenAfterApp {
				t.Fatalf("Len = %d, want %d", got, tt.lenAfterApp)
			}
			if got := r.Consumers(); got != tt.consumers {
				t.Fatalf("Consumers = %d, want %d", got, tt.consumers)
			}
			if got := slow.Dropped(); got != tt.dropped {
				t.Fatalf("Dropped = %v, want %v", got, tt.dropped)
			}
			if got := slow.Skipped(); got != tt.skipped {
				t.Fatalf("Skipped = %d, want %d", got, tt.skipped)
			}
			if got := drain(slow); !equal(got, tt.slowSees) {
				t.Fatalf("slow tail saw %v, want %v", got, tt.slowSees)
			}
			// Later items: a skipped tail sees them, a dropped one never does.
			r.Append(n + 1)
			v, ok := slow.Next()
			if ok == tt.dropped || (ok && v != n+1) {
				t.Fatalf("after Append: slow.Next = %d, %v", v, ok)
			}
			if tt.dropped && slow.Lag() != 0 {
				t.Fatalf("dropped tail Lag = %d", slow.Lag())
			}
			checkRing(t, r)
			slow.Close()
			fast.Close()
			if r.Consumers() != 0 || r.Len() != 0 {
				t.Fatalf("after Close: Consumers %d Len %d", r.Consumers(), r.Len())
			}
			checkRing(t, r)
			if slow.Dropped() != tt.dropped {
				t.Fatal("Close changed Dropped")
			}
		})
	}
}

func TestTailClose(t *testing.T) {
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			r := NewRing[int](4, p)
			a, b := r.Subscribe(), r.Subscribe()
			r.Append(1)
			r.Append(2)
			if _, ok := b.Next(); !ok {
				t.Fatal("b.Next failed")
			}
			a.Close()
			checkRing(t, r)
			if r.Consumers() != 1 || r.Len() != 1 {
				t.Fatalf("after closing the laggard: Consumers %d Len %d, want 1 1", r.Consumers(), r.Len())
			}
			a.Close() // idempotent
			if r.Consumers() != 1 {
				t.Fatalf("second Close changed Consumers to %d", r.Consumers())
			}
			if _, ok := a.Next(); ok {
				t.Fatal("Next on closed tail returned ok")
			}
			if _, ok := a.Peek(); ok {
				t.Fatal("Peek on closed tail returned ok")
			}
			if a.Lag() != 0 || a.Dropped() {
				t.Fatalf("closed tail: Lag %d Dropped %v", a.Lag(), a.Dropped())
			}
			b.Close()
			if r.Consumers() != 0 || r.Len() != 0 {
				t.Fatalf("all closed: Consumers %d Len %d", r.Consumers(), r.Len())
			}
			checkRing(t, r)
			r.Append(3) // still usable, discards
			c := r.Subscribe()
			r.Append(4)
			if got := drain(c); !equal(got, []int{4}) {
				t.Fatalf("new tail saw %v", got)
			}
			checkRing(t, r)
		})
	}
}

// TestRingReleasesReferences: consumed, skipped and abandoned items are
// zeroed in the ring, so pointers in them can be collected.
func TestRingReleasesReferences(t *testing.T) {
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			r := NewRing[*int](4, p)
			a, b := r.Subscribe(), r.Subscribe()
			for i := range 10 {
				r.Append(&i)
				checkRing(t, r)
				if i%3 == 0 {
					drain(a)
					checkRing(t, r)
				}
			}
			drain(a)
			checkRing(t, r)
			b.Close()
			checkRing(t, r)
			for _, v := range r.buf {
				if v != nil {
					t.Fatal("slot still references an item every tail has passed")
				}
			}
		})
	}
}

// TestRingSlowConsumerBoundedMemory appends far more data than the ring holds
// past a consumer that never reads, and checks the live heap stays bounded.
func TestRingSlowConsumerBoundedMemory(t *testing.T) {
	const size, n, itemSize = 16, 20000, 4096 // ~80 MB appended
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			r := NewRing[[]byte](size, p)
			slow := r.Subscribe()
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			before := ms.HeapAlloc
			for i := range n {
				b := make([]byte, itemSize)
				b[0] = byte(i)
				r.Append(b)
				if r.Len() > size {
					t.Fatalf("Len %d above size", r.Len())
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if grown := int64(ms.HeapAlloc) - int64(before); grown > 4<<20 {
				t.Fatalf("live heap grew by %d bytes for a %d-item ring", grown, size)
			}
			switch p {
			case Skip:
				if slow.Lag() != size || slow.Skipped() != n-size {
					t.Fatalf("Lag %d Skipped %d, want %d %d", slow.Lag(), slow.Skipped(), size, n-size)
				}
			case Drop:
				if !slow.Dropped() || r.Len() != 0 || r.Consumers() != 0 {
					t.Fatalf("Dropped %v Len %d Consumers %d", slow.Dropped(), r.Len(), r.Consumers())
				}
			}
			runtime.KeepAlive(slow)
		})
	}
}

type item struct{ producer, n int }

// TestRingConcurrent runs producers, consumers and subscribe/close churn at
// once. Each consumer must see every producer's items in order, none twice,
// and account for every item as seen or skipped.
func TestRingConcurrent(t *testing.T) {
	const producers, perProducer, consumers = 4, 5000, 4
	tests := []struct {
		policy Policy
		size   int
	}{
		{Skip, 64},                      // small: skips are expected
		{Skip, producers * perProducer}, // large: nothing can be skipped
		{Drop, producers * perProducer}, // large: nothing can be dropped
		{Drop, 64},                      // small: drops are likely
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v/%d", tt.policy, tt.size), func(t *testing.T) {
			r := NewRing[item](tt.size, tt.policy)
			tails := make([]*Tail[item], consumers)
			sigs := make([]Signal, consumers)
			for i := range tails {
				tails[i], sigs[i] = r.Subscribe(), NewSignal()
			}
			done := make(chan struct{})
			var consumersWG, producersWG sync.WaitGroup
			counts := make([]int, consumers)
			for c := range consumers {
				consumersWG.Go(func() {
					last := make([]int, producers)
					for i := range last {
						last[i] = -1
					}
					consume := func() {
						for {
							v, ok := tails[c].Next()
							if !ok {
								return
							}
							if v.n <= last[v.producer] {
								t.Errorf("consumer %d: producer %d item %d after %d", c, v.producer, v.n, last[v.producer])
							}
							last[v.producer] = v.n
							counts[c]++
						}
					}
					for {
						select {
						case <-sigs[c].C():
							consume()
						case <-done:
							consume()
							return
						}
					}
				})
			}
			churn := make(chan struct{})
			go func() {
				defer close(churn)
				for {
					select {
					case <-done:
						return
					default:
					}
					tl := r.Subscribe()
					tl.Next()
					tl.Lag()
					tl.Close()
				}
			}()
			for p := range producers {
				producersWG.Go(func() {
					for i := range perProducer {
						r.Append(item{p, i})
						for _, s := range sigs {
							s.Notify()
						}
					}
				})
			}
			producersWG.Wait()
			close(done)
			consumersWG.Wait()
			<-churn

			total := uint64(producers * perProducer)
			for c, tl := range tails {
				switch {
				case tl.Dropped():
					if tt.size >= producers*perProducer {
						t.Errorf("consumer %d dropped from a ring that holds everything", c)
					}
				case uint64(counts[c])+tl.Skipped() != total:
					t.Errorf("consumer %d: saw %d + skipped %d != %d", c, counts[c], tl.Skipped(), total)
				case tt.size >= producers*perProducer && tl.Skipped() != 0:
					t.Errorf("consumer %d skipped %d from a ring that holds everything", c, tl.Skipped())
				}
				tl.Close()
			}
			if r.Consumers() != 0 || r.Len() != 0 {
				t.Fatalf("after closing all: Consumers %d Len %d", r.Consumers(), r.Len())
			}
		})
	}
}

func BenchmarkRingAppend(b *testing.B) {
	for _, consumers := range []int{0, 1, 16} {
		b.Run(fmt.Sprintf("consumers=%d", consumers), func(b *testing.B) {
			r := NewRing[int](1024, Skip)
			for range consumers {
				r.Subscribe() // never read: Append runs in the overwriting steady state
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r.Append(i)
				i++
			}
		})
	}
}

func BenchmarkTailNext(b *testing.B) {
	const size = 1024
	r := NewRing[int](size, Skip)
	tl := r.Subscribe()
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		k := min(size, b.N-done)
		b.StopTimer()
		for i := range k {
			r.Append(i + 1)
		}
		b.StartTimer()
		for range k {
			if _, ok := tl.Next(); !ok {
				b.Fatal("Next: nothing")
			}
		}
		done += k
	}
}

// BenchmarkRingAppendNext is one producer and one consumer in lock step.
func BenchmarkRingAppendNext(b *testing.B) {
	r := NewRing[int](1024, Skip)
	tl := r.Subscribe()
	b.ReportAllocs()
	for b.Loop() {
		r.Append(1)
		tl.Next()
	}
}
