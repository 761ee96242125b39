package hub

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/golws/lws/flow"
)

// topic is a topic open on this node, shared by the Topic handles opened on
// it.
type topic struct {
	h      *Hub
	name   string
	ring   *flow.Ring[*Message]
	refs   int           // open handles; guarded by h.mu
	cancel func()        // ends the backend's deliveries; nil when local
	closed chan struct{} // closed with the last handle, before cancel

	roomMu sync.Mutex
	room   chan struct{} // closed when a full topic has room; nil when none is awaited

	subMu sync.Mutex                      // serialises changes to wakes
	wakes atomic.Pointer[[]*Subscription] // copied on change, read on delivery
}

// Topic is a handle on a topic open on this node, from Hub.Topic. Its
// methods are safe from any goroutine.
type Topic struct {
	shared *topic
	once   sync.Once
}

// Name is the topic's name.
func (t *Topic) Name() string { return t.shared.name }

// Subscribe returns a new subscription that sees the messages delivered to
// this node after the call. wake, if not nil, is called (never blocking,
// from the delivering goroutine) after each message is appended: typically
// the subscriber's conn.Conn.RequestWritable. Close the subscription when
// done.
func (t *Topic) Subscribe(wake func()) *Subscription {
	s := &Subscription{t: t.shared, tail: t.shared.ring.Subscribe(), wake: wake}
	t.shared.setWakes(func(ws []*Subscription) []*Subscription { return append(ws, s) })
	return s
}

// setWakes replaces the subscriber list with edit's result on a copy.
func (t *topic) setWakes(edit func([]*Subscription) []*Subscription) {
	t.subMu.Lock()
	defer t.subMu.Unlock()
	old := *t.wakes.Load()
	ws := edit(append(make([]*Subscription, 0, len(old)+1), old...))
	t.wakes.Store(&ws)
}

// TryPublish publishes m to the topic on every node without blocking. On a
// lossless (flow.Block) topic that cannot take m now it returns ErrFull
// and keeps nothing: call it again after OnRoom. On other topics a message
// the backend's queue cannot take is counted in Stats.Lost and TryPublish
// returns nil, as a subscriber's ring would skip it.
func (t *Topic) TryPublish(m *Message) error {
	s := t.shared
	h := s.h
	select {
	case <-h.done:
		return ErrClosed
	default:
	}
	var ok bool
	if h.o.Backend != nil {
		ok = h.o.Backend.Publish(s.name, m)
	} else {
		ok = s.append(m)
	}
	switch {
	case ok:
		h.published.Add(1)
	case h.o.Policy == flow.Block:
		return ErrFull
	default:
		h.lost.Add(1)
	}
	return nil
}

// Publish publishes m, waiting for room on a full lossless topic until ctx
// ends. It is for producer goroutines; a connection's callbacks use a
// Publisher, which never waits.
func (t *Topic) Publish(ctx context.Context, m *Message) error {
	for {
		err := t.TryPublish(m)
		if err != ErrFull {
			return err
		}
		select {
		case <-t.shared.roomSignal():
		case <-ctx.Done():
			return ctx.Err()
		case <-t.shared.h.done:
			return ErrClosed
		}
	}
}

// roomSignal returns a channel closed when TryPublish may succeed again
// after ErrFull. Every Publish waiting meanwhile shares it and its one
// OnRoom waiter, so Publish calls that give up leave nothing behind.
func (t *topic) roomSignal() <-chan struct{} {
	t.roomMu.Lock()
	room := t.room
	fresh := room == nil
	if fresh {
		room = make(chan struct{})
		t.room = room
	}
	t.roomMu.Unlock()
	if fresh {
		// Outside roomMu: OnRoom may call back at once.
		t.onRoom(func() {
			t.roomMu.Lock()
			if t.room == room {
				t.room = nil
			}
			t.roomMu.Unlock()
			close(room)
		})
	}
	return room
}

// OnRoom calls f once, from any goroutine, when TryPublish may succeed
// again after ErrFull: at once if it may now. f must not block.
func (t *Topic) OnRoom(f func()) { t.shared.onRoom(f) }

func (t *topic) onRoom(f func()) {
	if b := t.h.o.Backend; b != nil {
		b.OnRoom(f)
		return
	}
	t.ring.OnRoom(f)
}

// Close gives back this handle; the topic ends on this node with the last
// one (its backend subscription is cancelled). Closing twice does nothing
// more. Subscriptions are closed separately.
func (t *Topic) Close() {
	t.once.Do(func() {
		s := t.shared
		h := s.h
		h.mu.Lock()
		s.refs--
		last := s.refs == 0 && h.topics[s.name] == s
		if last {
			delete(h.topics, s.name)
		}
		h.mu.Unlock()
		if last {
			close(s.closed) // ends a delivery waiting for room, which cancel waits for
			if s.cancel != nil {
				s.cancel()
			}
		}
	})
}

// append adds m to the ring and wakes the subscribers; false when a
// lossless ring is full.
func (t *topic) append(m *Message) bool {
	if !t.ring.Append(m) {
		return false
	}
	t.h.delivered.Add(1)
	for _, s := range *t.wakes.Load() {
		if s.wake != nil {
			s.wake()
		}
	}
	if t.h.o.Notify != nil {
		t.h.o.Notify()
	}
	return true
}

// deliver is the backend's delivery of m to this node: appended to the
// ring, waiting for room on a lossless topic (the backend buffers, within
// its bounds, meanwhile) until the topic or the hub closes.
func (t *topic) deliver(m *Message) {
	for !t.append(m) {
		room := make(chan struct{})
		t.ring.OnRoom(func() { close(room) })
		select {
		case <-room:
		case <-t.closed:
			return
		case <-t.h.done:
			return
		}
	}
}
