package flow

import (
	"fmt"
	"sync"
)

// Policy says what a Ring does with a consumer that falls more than the
// ring's size behind its producers.
type Policy uint8

const (
	// Skip moves a lagging consumer's tail forward to the oldest retained
	// item; Tail.Skipped counts the items it missed.
	Skip Policy = iota
	// Drop detaches a lagging consumer: Tail.Dropped becomes true and
	// Tail.Next reports nothing more.
	Drop
	// Block never loses an item: a full ring refuses Append (it reports
	// false) until its slowest consumer has read enough, and OnRoom tells
	// the producers held back when to try again. This is lws_ring paired
	// with rx flow control: the producers that are connections turn their
	// rx off while the ring is full. Memory stays bounded by the ring's
	// size plus whatever the refused producers hold themselves.
	Block
)

// String returns "skip", "drop", or a description of an invalid Policy.
func (p Policy) String() string {
	switch p {
	case Skip:
		return "skip"
	case Drop:
		return "drop"
	case Block:
		return "block"
	}
	return fmt.Sprintf("Policy(%d)", uint8(p))
}

// Ring is a bounded multi-consumer ring, the role of libwebsockets'
// lws_ring. Producers Append; every consumer reads every item through its own
// Tail, made by Subscribe. The ring keeps an item only until every consumer
// has read it, and never more than its size items: when a consumer falls
// further behind, the ring's Policy either skips it forward or drops it, so a
// slow consumer never holds back producers or grows memory, or (Block)
// refuses the producers until the slowest consumer catches up.
//
// The ring does not wake consumers; pair each consumer with a Signal that
// the producer notifies after Append, and drain Next until it reports false.
//
// All methods are safe from any goroutine. Append never waits for consumers:
// it holds the ring's mutex for an amortised constant-time update. Make a Ring
// with NewRing; the zero Ring is not usable.
type Ring[T any] struct {
	mu     sync.Mutex
	policy Policy
	// Item seq is in buf[seq%len(buf)]. Slots outside [lo, head) are zero, so
	// the ring never keeps a reference nobody will read.
	buf []T
	// at[seq%len(at)] counts attached tails whose next item is seq, for seq
	// in [lo, head]; other entries are 0. len(at) == len(buf)+1, one per
	// position a tail can be at.
	at []int
	// Sequence numbers count from 0 and never wrap in practice (2^64 appends
	// at one per nanosecond take 584 years), so plain comparisons are safe.
	lo        uint64 // oldest retained item; lo == head or at[lo] > 0
	head      uint64 // next item to append
	consumers int    // attached tails: sum of at
	// waiters are the OnRoom callbacks of producers a full Block ring
	// refused; they run, outside mu, once Len falls to resume.
	waiters []func()
	resume  int // Len at or below which waiters run
}

// NewRing returns an empty ring holding at most size items, handling lagging
// consumers by policy. It panics when size is not positive or policy is
// unknown.
func NewRing[T any](size int, policy Policy) *Ring[T] {
	if size <= 0 {
		panic(fmt.Sprintf("flow: NewRing: size must be positive, got %d", size))
	}
	if policy > Block {
		panic(fmt.Sprintf("flow: NewRing: unknown %v", policy))
	}
	// A refused producer resumes once a quarter of the ring is free, so
	// producers and consumers do not take turns item by item.
	resume := size - max(1, size/4)
	return &Ring[T]{policy: policy, buf: make([]T, size), at: make([]int, size+1), resume: resume}
}

// Policy is the ring's policy for lagging consumers.
func (r *Ring[T]) Policy() Policy { return r.policy }

// Append adds v for every current consumer and reports whether it did. It
// never blocks on consumers and never grows the ring: with no consumers v is
// discarded (and Append reports true: nobody lost it), and when the ring is
// full the oldest item is overwritten, skipping or dropping the consumers
// that had not read it yet, except in a Block ring, which refuses v instead
// and reports false; see OnRoom.
func (r *Ring[T]) Append(v T) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.head-r.lo == uint64(len(r.buf)) {
		if r.policy == Block {
			return false
		}
		r.evict()
	}
	if r.consumers == 0 {
		r.head++
		r.lo = r.head
		return true
	}
	r.buf[r.head%uint64(len(r.buf))] = v
	r.head++
	return true
}

// OnRoom arranges for f to be called once, from the goroutine of the
// consumer that makes room, when the ring has room again: when at least a
// quarter of it is free (one slot for rings of fewer than four). If there is
// room already, f runs at once, in the caller's goroutine. f runs without
// the ring's lock held and may call Append; it must not block. Only a
// Block ring ever refuses an Append, but OnRoom works for every policy.
func (r *Ring[T]) OnRoom(f func()) {
	r.mu.Lock()
	if int(r.head-r.lo) <= r.resume {
		r.mu.Unlock()
		f()
		return
	}
	r.waiters = append(r.waiters, f)
	r.mu.Unlock()
}

// wakeable takes the waiters to run, if the ring has room for them. r.mu
// must be held; the caller runs them once it has let go of it.
func (r *Ring[T]) wakeable() []func() {
	if len(r.waiters) == 0 || int(r.head-r.lo) > r.resume {
		return nil
	}
	w := r.waiters
	r.waiters = nil
	return w
}

// run calls the waiters wakeable returned.
func run(fs []func()) {
	for _, f := range fs {
		f()
	}
}

// evict gives up the oldest item, applying the policy to the tails still
// waiting for it. Skipped tails keep their stale position and are counted at
// the new lo; Tail.sync settles them lazily.
func (r *Ring[T]) evict() {
	n := r.at[r.slot(r.lo)]
	r.at[r.slot(r.lo)] = 0
	var zero T
	r.buf[r.lo%uint64(len(r.buf))] = zero
	r.lo++
	if r.policy == Skip {
		r.at[r.slot(r.lo)] += n
		return
	}
	r.consumers -= n
	r.release()
}

// release advances lo past items no attached tail still needs, zeroing them.
func (r *Ring[T]) release() {
	var zero T
	for r.lo < r.head && r.at[r.slot(r.lo)] == 0 {
		r.buf[r.lo%uint64(len(r.buf))] = zero
		r.lo++
	}
}

func (r *Ring[T]) slot(seq uint64) int { return int(seq % uint64(len(r.at))) }

// Subscribe returns a new consumer tail that sees the items appended after
// this call. Close it when done: an abandoned open tail keeps up to size
// items alive.
func (r *Ring[T]) Subscribe() *Tail[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at[r.slot(r.head)]++
	r.consumers++
	return &Tail[T]{r: r, pos: r.head}
}

// Len is the number of items retained: those some consumer has yet to read.
// It is never more than Cap.
func (r *Ring[T]) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.head - r.lo)
}

// Cap is the ring's size, the most items it retains.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// Consumers is the number of attached tails: subscribed, not closed and not
// dropped.
func (r *Ring[T]) Consumers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.consumers
}

// Tail is one consumer's read position in a Ring. Its methods are safe from
// any goroutine; goroutines sharing a Tail share its items, each returned by
// Next once.
type Tail[T any] struct {
	r *Ring[T]
	// Fields below are guarded by r.mu. For a Skip ring, pos may be stale
	// (below r.lo) after evictions; the tail's real position is then r.lo.
	pos     uint64 // next item to read
	skipped uint64
	dropped bool
	closed  bool
}

// sync settles a stale position per the ring's policy and reports whether
// the tail is still attached. r.mu must be held.
func (t *Tail[T]) sync() bool {
	r := t.r
	if t.closed || t.dropped {
		return false
	}
	if t.pos < r.lo {
		if r.policy == Drop {
			t.dropped = true // evict already uncounted it
			return false
		}
		t.skipped += r.lo - t.pos
		t.pos = r.lo
	}
	return true
}

// Next returns the tail's next item, or ok false when it has caught up, is
// closed or was dropped.
func (t *Tail[T]) Next() (v T, ok bool) {
	r := t.r
	r.mu.Lock()
	if !t.sync() || t.pos == r.head {
		r.mu.Unlock()
		return v, false
	}
	v = r.buf[t.pos%uint64(len(r.buf))]
	r.at[r.slot(t.pos)]--
	t.pos++
	r.at[r.slot(t.pos)]++
	if t.pos-1 == r.lo {
		r.release()
	}
	w := r.wakeable()
	r.mu.Unlock()
	run(w)
	return v, true
}

// Peek returns the item Next would return, without consuming it.
func (t *Tail[T]) Peek() (v T, ok bool) {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !t.sync() || t.pos == r.head {
		return v, false
	}
	return r.buf[t.pos%uint64(len(r.buf))], true
}

// Lag is the number of items waiting for the tail; 0 once it is closed or
// dropped.
func (t *Tail[T]) Lag() int {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if !t.sync() {
		return 0
	}
	return int(r.head - t.pos)
}

// Skipped is the total number of items the tail lost to the Skip policy.
func (t *Tail[T]) Skipped() uint64 {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	t.sync()
	return t.skipped
}

// Dropped reports whether the Drop policy detached the tail for lagging.
func (t *Tail[T]) Dropped() bool {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	t.sync()
	return t.dropped
}

// Close detaches the tail, releasing the items only it was waiting for.
// Closing twice, or closing a dropped tail, does nothing more.
func (t *Tail[T]) Close() {
	r := t.r
	r.mu.Lock()
	if !t.sync() {
		t.closed = true
		r.mu.Unlock()
		return
	}
	t.closed = true
	r.at[r.slot(t.pos)]--
	r.consumers--
	if t.pos == r.lo {
		r.release()
	}
	w := r.wakeable()
	r.mu.Unlock()
	run(w)
}
