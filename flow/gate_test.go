package flow

import (
	"sync"
	"sync/atomic"
	"testing"
)

func TestGateZeroIsOpen(t *testing.T) {
	var g Gate
	if !g.IsOpen() {
		t.Fatal("zero Gate is closed")
	}
	if !g.Wait(nil) {
		t.Fatal("Wait on open gate returned false")
	}
	done := make(chan struct{})
	close(done)
	if !g.Wait(done) {
		t.Fatal("Wait on open gate with closed done returned false; an open gate wins")
	}
}

func TestGateSet(t *testing.T) {
	var g Gate
	steps := []struct {
		do   func()
		open bool
	}{
		{g.Close, false},
		{g.Close, false},
		{g.Open, true},
		{g.Open, true},
		{func() { g.Set(false) }, false},
		{func() { g.Set(true) }, true},
	}
	for i, s := range steps {
		s.do()
		if got := g.IsOpen(); got != s.open {
			t.Fatalf("step %d: IsOpen = %v, want %v", i, got, s.open)
		}
	}
}

// TestGateWaitBlocksUntilOpen: waiters record whether Open had been called
// when Wait returned; Open is only called after they are running, and the
// flag is set before Open, so a premature return reports false.
func TestGateWaitBlocksUntilOpen(t *testing.T) {
	var g Gate
	g.Close()
	var opening atomic.Bool
	const waiters = 10
	started := make(chan struct{})
	results := make(chan bool, waiters)
	for range waiters {
		go func() {
			started <- struct{}{}
			ok := g.Wait(nil)
			results <- ok && opening.Load()
		}()
	}
	for range waiters {
		<-started
	}
	select {
	case <-results:
		t.Fatal("Wait returned while the gate was closed")
	default:
	}
	opening.Store(true)
	g.Open()
	for range waiters {
		if !<-results {
			t.Fatal("Wait returned before Open")
		}
	}
}

// TestGateWaitDone: done unblocks a waiter on a closed gate with false; that
// it returns false at all proves it was blocked, not passed.
func TestGateWaitDone(t *testing.T) {
	var g Gate
	g.Close()
	done := make(chan struct{})
	result := make(chan bool)
	go func() { result <- g.Wait(done) }()
	close(done)
	if <-result {
		t.Fatal("Wait on closed gate returned true")
	}
	if g.IsOpen() {
		t.Fatal("done opened the gate")
	}
}

// TestGateReclose: after Open and Close, the gate blocks again; a waiter woken
// by an Open that finds the gate closed again keeps waiting until done.
func TestGateReclose(t *testing.T) {
	var g Gate
	g.Close()
	g.Open()
	g.Close()
	done := make(chan struct{})
	close(done)
	if g.Wait(done) {
		t.Fatal("Wait returned true on a re-closed gate")
	}
	for range 100 {
		stop := make(chan struct{})
		result := make(chan bool)
		go func() { result <- g.Wait(stop) }()
		g.Open()
		g.Close()
		close(stop)
		// true if it saw the brief opening, false if done released it;
		// either way it returns, and the gate stays closed.
		<-result
		if g.IsOpen() {
			t.Fatal("gate open after Close")
		}
	}
}

func TestGateConcurrent(t *testing.T) {
	var g Gate
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				if !g.Wait(done) {
					return
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	for i := range 1000 {
		g.Set(i%2 == 0)
	}
	close(done)
	wg.Wait()
}

func BenchmarkGateWaitOpen(b *testing.B) {
	var g Gate
	b.ReportAllocs()
	for b.Loop() {
		if !g.Wait(nil) {
			b.Fatal("closed")
		}
	}
}
