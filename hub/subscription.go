package hub

import "github.com/golws/lws/flow"

// Subscription is one subscriber's read position in a topic on this node:
// a tail of the topic's ring. Its methods are safe from any goroutine.
type Subscription struct {
	t    *topic
	tail *flow.Tail[*Message]
	wake func()
}

// Next returns the next message, or ok false when the subscriber has
// caught up, was dropped or closed. On a lossless topic, reading may wake
// publishers held back.
func (s *Subscription) Next() (m *Message, ok bool) { return s.tail.Next() }

// Peek returns the message Next would return, without consuming it.
func (s *Subscription) Peek() (m *Message, ok bool) { return s.tail.Peek() }

// Lag is the number of messages waiting for this subscriber.
func (s *Subscription) Lag() int { return s.tail.Lag() }

// Skipped is how many messages the subscriber lost to the flow.Skip policy.
func (s *Subscription) Skipped() uint64 { return s.tail.Skipped() }

// Dropped reports whether the flow.Drop policy detached the subscriber.
func (s *Subscription) Dropped() bool { return s.tail.Dropped() }

// Close ends the subscription, releasing what only it was waiting for.
// Closing twice does nothing more.
func (s *Subscription) Close() {
	s.tail.Close()
	s.t.setWakes(func(ws []*Subscription) []*Subscription {
		for i, w := range ws {
			if w == s {
				return append(ws[:i], ws[i+1:]...)
			}
		}
		return ws
	})
}
