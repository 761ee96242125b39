package flow

import (
	"sync"
	"sync/atomic"
)

// Gate is an rx gate: while it is closed, Wait blocks. The owner of a reader
// calls Wait before each read, so closing the gate stops reading at the next
// read boundary and lets TCP backpressure reach the sender.
//
// The zero Gate is open. Open, Close and IsOpen are safe from any goroutine;
// any number of goroutines may Wait.
type Gate struct {
	mu     sync.Mutex
	closed atomic.Bool   // set by Close, cleared by Open under mu; read without mu
	opened chan struct{} // made by the first Wait on a closed gate, closed by Open
}

// Set opens the gate when open is true and closes it otherwise.
func (g *Gate) Set(open bool) {
	if open {
		g.Open()
	} else {
		g.Close()
	}
}

// Open opens the gate, releasing every waiter. Opening an open gate does nothing.
func (g *Gate) Open() {
	if !g.closed.Load() {
		return // open, so nobody waits
	}
	g.mu.Lock()
	if g.closed.Load() {
		g.closed.Store(false)
		if g.opened != nil {
			close(g.opened)
			g.opened = nil
		}
	}
	g.mu.Unlock()
}

// Close closes the gate. Closing a closed gate does nothing.
func (g *Gate) Close() {
	// No lock: the channel is made only by a Wait that finds the gate
	// closed, under mu, and Open clears both under mu.
	g.closed.Store(true)
}

// IsOpen reports whether the gate is open now.
func (g *Gate) IsOpen() bool { return !g.closed.Load() }

// Wait returns true once the gate is open, or false if done is closed first.
// It returns at once when the gate is already open.
func (g *Gate) Wait(done <-chan struct{}) bool {
	for {
		if !g.closed.Load() {
			return true
		}
		g.mu.Lock()
		if !g.closed.Load() {
			g.mu.Unlock()
			return true
		}
		if g.opened == nil {
			g.opened = make(chan struct{})
		}
		opened := g.opened
		g.mu.Unlock()
		select {
		case <-opened:
		case <-done:
			return false
		}
	}
}
