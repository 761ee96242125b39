package flow

import "sync"

// Gate is an rx gate: while it is closed, Wait blocks. The owner of a reader
// calls Wait before each read, so closing the gate stops reading at the next
// read boundary and lets TCP backpressure reach the sender.
//
// The zero Gate is open. Open, Close and IsOpen are safe from any goroutine;
// any number of goroutines may Wait.
type Gate struct {
	mu     sync.Mutex
	closed bool
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
	g.mu.Lock()
	if g.closed {
		g.closed = false
		if g.opened != nil {
			close(g.opened)
			g.opened = nil
		}
	}
	g.mu.Unlock()
}

// Close closes the gate. Closing a closed gate does nothing.
func (g *Gate) Close() {
	g.mu.Lock()
	if !g.closed {
		g.closed = true // the channel is made only if someone waits
	}
	g.mu.Unlock()
}

// IsOpen reports whether the gate is open now.
func (g *Gate) IsOpen() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return !g.closed
}

// Wait returns true once the gate is open, or false if done is closed first.
// It returns at once when the gate is already open.
func (g *Gate) Wait(done <-chan struct{}) bool {
	for {
		g.mu.Lock()
		if !g.closed {
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
