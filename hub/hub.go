package hub

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/golws/lws/flow"
)

// DefaultSize is Options.Size when left zero.
const DefaultSize = 128

var (
	// ErrFull is returned by TryPublish when a lossless (flow.Block) topic
	// cannot take the message now; the caller keeps it and tries again
	// after OnRoom.
	ErrFull = errors.New("hub: topic full")
	// ErrClosed is returned when publishing to a closed topic or hub.
	ErrClosed = errors.New("hub: closed")
)

// Options configure a Hub.
type Options struct {
	// Size is how many messages each topic's ring holds on this node: how
	// far a subscriber may fall behind. Zero means DefaultSize.
	Size int
	// Policy is what happens to a subscriber more than Size messages
	// behind: flow.Skip (the zero value), flow.Drop or flow.Block.
	Policy flow.Policy
	// Backend carries messages between nodes; nil keeps topics
	// in-process.
	Backend Backend
	// Notify, if not nil, is called after each message is appended to a
	// topic's ring on this node, beside the subscribers' own wakes: for
	// example lws.Server.Wake, to reach connections through the
	// protocols' Wake callbacks. It must not block.
	Notify func()

	release func() error // gives back a shared backend (FromConfig)
}

// Hub is a set of named topics sharing a backend. Make one with New or
// FromConfig; all methods are safe from any goroutine.
type Hub struct {
	o      Options
	mu     sync.Mutex
	topics map[string]*topic
	closed bool
	done   chan struct{} // closed by Close: wakes deliveries waiting for room

	published, delivered, lost atomic.Uint64
}

// New returns a hub with options o.
func New(o Options) *Hub {
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	return &Hub{o: o, topics: map[string]*topic{}, done: make(chan struct{})}
}

// Policy is the hub's policy for subscribers that fall behind.
func (h *Hub) Policy() flow.Policy { return h.o.Policy }

// Size is the size of each topic's ring.
func (h *Hub) Size() int { return h.o.Size }

// Remote reports whether the hub has a backend: messages travel between
// nodes.
func (h *Hub) Remote() bool { return h.o.Backend != nil }

// Stats are a hub's counters since it was made.
type Stats struct {
	Published uint64 // messages accepted by TryPublish, Publish and Publishers
	Delivered uint64 // messages appended to a topic's ring on this node
	Lost      uint64 // messages a full backend queue refused (not for flow.Block)
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	return Stats{h.published.Load(), h.delivered.Load(), h.lost.Load()}
}

// Topic opens the topic called name, making it on this node if it is not
// open yet (and subscribing to it through the backend). Every Topic call
// must be paired with a Topic.Close; the topic ends on this node with the
// last one.
func (h *Hub) Topic(name string) (*Topic, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	if t := h.topics[name]; t != nil {
		t.refs++
		return &Topic{shared: t}, nil
	}
	t := &topic{h: h, name: name, ring: flow.NewRing[*Message](h.o.Size, h.o.Policy), refs: 1, closed: make(chan struct{})}
	t.wakes.Store(&[]*Subscription{})
	if b := h.o.Backend; b != nil {
		cancel, err := b.Subscribe(name, t.deliver)
		if err != nil {
			return nil, err
		}
		t.cancel = cancel
	}
	h.topics[name] = t
	return &Topic{shared: t}, nil
}

// Topics reports the topics open on this node and their subscriber counts.
func (h *Hub) Topics() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.topics))
	for name, t := range h.topics {
		out[name] = len(*t.wakes.Load())
	}
	return out
}

// Close closes every topic still open and the hub's backend if it came from
// FromConfig (and no other hub shares it). A backend given in Options is
// the caller's to close. Subscriptions see no more messages.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	close(h.done)
	topics := h.topics
	h.topics = map[string]*topic{}
	h.mu.Unlock()
	for _, t := range topics {
		if t.cancel != nil {
			t.cancel()
		}
	}
	if h.o.release != nil {
		return h.o.release()
	}
	return nil
}
