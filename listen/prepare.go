package listen

import (
	"context"
	"net"
	"sync"
	"time"
)

// Prepare returns a listener whose Accept hands out the connections of ln
// once prepare has made them ready: a TLS handshake, a look at the first
// bytes. Each accepted connection is prepared in a goroutine of its own, so
// a slow or silent client never holds up the others; prepare returns the
// connection to hand out, or nil when it has dealt with it (closed it, or
// passed it elsewhere). Its ctx ends when the listener is closed.
//
// Concurrency: Accept is called by one goroutine (http.Server.Serve);
// Close from any. Close cuts off the preparations in progress (through
// ctx) and waits for every goroutine of the listener.
func Prepare(ln net.Listener, prepare func(ctx context.Context, c net.Conn) net.Conn) *Prepared {
	ctx, cancel := context.WithCancel(context.Background())
	return &Prepared{
		Listener: ln, prepare: prepare,
		ready: make(chan net.Conn), failed: make(chan error, 1),
		ctx: ctx, cancel: cancel,
	}
}

// Prepared is the listener Prepare makes.
type Prepared struct {
	net.Listener
	prepare func(ctx context.Context, c net.Conn) net.Conn

	ready  chan net.Conn // prepared connections, handed over by Accept
	failed chan error    // the accept loop's final error
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards started, closed and wg.Add from Accept
	started bool
	closed  bool
	wg      sync.WaitGroup
}

// Accept returns the next prepared connection.
func (l *Prepared) Accept() (net.Conn, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, net.ErrClosed
	}
	if !l.started {
		l.started = true
		l.wg.Add(1)
		go l.acceptLoop()
	}
	l.mu.Unlock()
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.failed:
		l.failed <- err // for the next Accept
		return nil, err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Done is closed when the listener is closed.
func (l *Prepared) Done() <-chan struct{} { return l.ctx.Done() }

// Close stops accepting, cuts off preparations in progress and waits for
// every goroutine of the listener.
func (l *Prepared) Close() error {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if already {
		return nil
	}
	l.cancel()
	err := l.Listener.Close()
	l.wg.Wait()
	return err
}

func (l *Prepared) acceptLoop() {
	defer l.wg.Done()
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() && l.ctx.Err() == nil {
				// A passing failure such as EMFILE: back off as net/http does.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				select {
				case <-time.After(delay):
					continue
				case <-l.ctx.Done():
				}
			}
			l.failed <- err
			return
		}
		delay = 0
		l.wg.Add(1)
		go l.hand(c)
	}
}

// hand prepares c and hands it to Accept.
func (l *Prepared) hand(c net.Conn) {
	defer l.wg.Done()
	if c = l.prepare(l.ctx, c); c == nil {
		return
	}
	select {
	case l.ready <- c:
	case <-l.ctx.Done():
		c.Close()
	}
}
