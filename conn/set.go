package conn

import (
	"context"
	"sync"
)

// Set tracks live connections: those of one protocol on one vhost, or all of
// a server's. It gives request-writable-all, close-all and a wait for every
// connection's goroutines to end. The zero Set is ready to use; all methods
// are safe from any goroutine.
type Set struct {
	mu     sync.Mutex
	conns  map[*Conn]struct{}
	closed bool
	empty  chan struct{} // closed when the set becomes empty; made by a Wait
}

// add registers c; it fails once the set has been shut.
func (s *Set) add(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*Conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Set) remove(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.empty != nil {
		close(s.empty)
		s.empty = nil
	}
	s.mu.Unlock()
}

// Len is the number of live connections.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Each calls fn for every live connection. fn runs without the set's lock
// held, on a snapshot, so it may call any Conn method.
func (s *Set) Each(fn func(*Conn)) {
	for _, c := range s.snapshot() {
		fn(c)
	}
}

func (s *Set) snapshot() []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	return list
}

// RequestWritableAll asks every live connection for a Writeable callback
// (lws_callback_on_writable_all_protocol). It never blocks on a connection.
func (s *Set) RequestWritableAll() { s.Each((*Conn).RequestWritable) }

// Shut refuses new connections from now on; Start with this set fails.
func (s *Set) Shut() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// CloseAll shuts the set and closes every live connection with code and
// reason (1001 "going away" at server shutdown).
func (s *Set) CloseAll(code StatusCode, reason string) {
	s.Shut()
	s.Each(func(c *Conn) { c.Close(code, reason) })
}

// Wait blocks until every connection added to the set has ended (its Closed
// callback has returned), including connections added while it waits, or
// ctx ends.
func (s *Set) Wait(ctx context.Context) error {
	s.mu.Lock()
	if len(s.conns) == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.empty == nil {
		s.empty = make(chan struct{})
	}
	empty := s.empty
	s.mu.Unlock()
	select {
	case <-empty:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
