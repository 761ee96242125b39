package lws

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is returned when something that needs Start or Run is asked of a
// Server that has been closed.
var ErrStopped = errors.New("lws: server has been closed")

// tasks runs goroutines that live as long as Run: accept loops of adopted
// listeners and raw client dials. Tasks given before Run wait for it; Run
// cancels their context when it shuts down and waits for them before it
// returns. The zero tasks is ready to use.
type tasks struct {
	mu      sync.Mutex
	ctx     context.Context // Run's context once it has started
	pending []func(context.Context)
	ended   bool
	wg      sync.WaitGroup
}

// Go runs fn with Run's context, now if Run is running, else once it
// starts. It fails with ErrStopped once Run has ended.
func (t *tasks) Go(fn func(ctx context.Context)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.ended:
		return ErrStopped
	case t.ctx == nil:
		t.pending = append(t.pending, fn)
	default:
		t.run(fn)
	}
	return nil
}

// run starts fn; the caller holds mu.
func (t *tasks) run(fn func(context.Context)) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		fn(t.ctx)
	}()
}

// start runs the pending tasks, and later ones at once, with ctx.
func (t *tasks) start(ctx context.Context) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ctx = ctx
	for _, fn := range t.pending {
		t.run(fn)
	}
	t.pending = nil
}

// stop refuses new tasks and waits for the running ones, whose context
// has ended.
func (t *tasks) stop() {
	t.mu.Lock()
	t.ended = true
	t.pending = nil
	t.mu.Unlock()
	t.wg.Wait()
}
