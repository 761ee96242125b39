package hub

import "sync"

// RxSwitch turns a connection's reception on and off: *conn.Conn's SetRx
// (lws_rx_flow_control).
type RxSwitch interface {
	SetRx(on bool)
}

// Publisher publishes a connection's messages to a topic without ever
// blocking its callbacks. When a lossless (flow.Block) topic is full, it
// keeps the one refused message, turns the connection's rx off so that
// nothing more arrives, and publishes the message and turns rx back on
// once the topic has room: memory stays bounded by the ring plus one
// message per held-back publisher, and the peer sending too fast meets TCP
// backpressure. On other topics Publish is TryPublish.
//
// Publish belongs to the connection's callbacks (one goroutine at a time);
// Held and Close are safe from any goroutine.
type Publisher struct {
	t  *Topic
	rx RxSwitch

	mu     sync.Mutex
	held   *Message // refused, waiting for room
	closed bool
}

// NewPublisher returns a publisher to t for the connection whose rx is rx.
func (t *Topic) NewPublisher(rx RxSwitch) *Publisher {
	return &Publisher{t: t, rx: rx}
}

// Publish publishes m. It returns ErrFull only if called while a message
// is already held (rx was off: the caller received anyway), ErrClosed if
// the topic or hub is closed.
func (p *Publisher) Publish(m *Message) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	if p.held != nil {
		p.mu.Unlock()
		return ErrFull
	}
	err := p.t.TryPublish(m)
	if err != ErrFull {
		p.mu.Unlock()
		return err
	}
	p.held = m
	p.rx.SetRx(false)
	p.mu.Unlock()
	p.t.OnRoom(p.retry)
	return nil
}

// retry publishes the held message once there is room, turning rx back on.
func (p *Publisher) retry() {
	p.mu.Lock()
	if p.closed || p.held == nil {
		p.mu.Unlock()
		return
	}
	err := p.t.TryPublish(p.held)
	if err == ErrFull {
		p.mu.Unlock()
		p.t.OnRoom(p.retry)
		return
	}
	p.held = nil
	p.rx.SetRx(true)
	p.mu.Unlock()
}

// Held reports whether the publisher holds a refused message, its
// connection's rx off.
func (p *Publisher) Held() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held != nil
}

// Close drops a held message; later room does nothing. Call it when the
// connection closes.
func (p *Publisher) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed, p.held = true, nil
}
