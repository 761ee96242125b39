package lws

import (
	"context"
	"sync"
)

// A Companion is state another package keeps for a vhost that must end
// with the vhost's connections: package client keeps its pending attempts
// and the HTTP transports its requests share this way. Server.Shutdown
// (and so Close and the end of Run) calls Stop before it closes the
// vhosts' connections, and Wait once the connections of every vhost have
// ended (with Close and Run, once the listeners' HTTP requests have too).
type Companion interface {
	// Stop tells the companion the Server is shutting down: pending work
	// gives up and nothing new may start. It must not block.
	Stop()
	// Wait blocks until the companion's work has ended, or ctx ends (then
	// it returns ctx's error).
	Wait(ctx context.Context) error
}

// companions are a vhost's Companions by key.
type companions struct {
	mu      sync.Mutex
	byKey   map[any]Companion
	order   []Companion
	stopped bool
}

// Companion returns v's companion for key, made by make (under a lock: it
// must not call back into v) the first time key is asked for. A companion
// made after shutdown has begun is stopped at once. key should be a value
// of an unexported type of the caller's package, as for context values.
func (v *Vhost) Companion(key any, make func() Companion) Companion {
	cs := &v.companions
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c, ok := cs.byKey[key]; ok {
		return c
	}
	if cs.byKey == nil {
		cs.byKey = map[any]Companion{}
	}
	c := make()
	cs.byKey[key] = c
	cs.order = append(cs.order, c)
	if cs.stopped {
		c.Stop()
	}
	return c
}

// stop stops v's companions, and any made later.
func (cs *companions) stop() {
	cs.mu.Lock()
	cs.stopped = true
	all := append([]Companion(nil), cs.order...)
	cs.mu.Unlock()
	for _, c := range all {
		c.Stop()
	}
}

// wait waits for every companion.
func (cs *companions) wait(ctx context.Context) error {
	cs.mu.Lock()
	all := append([]Companion(nil), cs.order...)
	cs.mu.Unlock()
	for _, c := range all {
		if err := c.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}
