// Package testwait holds observation helpers shared by golws's tests:
// waiting until a counter stops growing (a peer stalled by backpressure) and
// reading the live heap. Polling here observes progress; it synchronizes
// nothing.
package testwait

import (
	"runtime"
	"testing"
	"time"
)

// Stall polls get until its value has not changed for quiet, and returns
// that value. It fails the test if the value keeps changing for longer than
// limit.
func Stall(t testing.TB, what string, get func() int64, quiet, limit time.Duration) int64 {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(limit)
	last, since := get(), time.Now()
	for range tick.C {
		now := time.Now()
		if v := get(); v != last {
			last, since = v, now
		} else if now.Sub(since) >= quiet {
			return v
		}
		if now.After(deadline) {
			t.Fatalf("%s kept growing for %v (now %d)", what, limit, last)
		}
	}
	panic("unreachable")
}

// HeapInUse is the process's live heap after a full collection.
func HeapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// For polls cond until it holds, failing the test if it does not within
// 10 s.
func For(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
