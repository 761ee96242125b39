package conn

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/golws/lws/flow"
)

// Write states: whether the current callback may still write.
const (
	notWriteable int32 = iota
	writeable
	wrote
)

var lastID atomic.Uint64

// Conn is one connection in the engine. Make one with Start.
//
// RequestWritable, SetRx, RxOn, SetTimeout, Close, Done and the accessors are
// safe from any goroutine and never block. Write and WriteFragment are legal
// only inside the Session's Writeable callback.
type Conn struct {
	t      Transport
	sender Sender      // t, when it can send without waiting; else nil
	ready  ReadyReader // t, when it can tell that input is waiting; else nil
	sess   Session
	info   *Info
	id     uint64
	cfg    settings

	// Signals and channels between the goroutines.
	rx         flow.Gate
	svc        atomic.Uint32 // events for the service goroutine, and whether it runs (service.go)
	readerExit chan struct{} // closed by the reader when it returns
	done       chan struct{} // closed by the service when the connection ends

	writeState atomic.Int32 // notWriteable, writeable or wrote

	// Owned by the reader goroutine.
	buf     *[]byte
	getRx   func() []byte          // c.buffer, made once: a method value per read would allocate
	msgSize int64                  // bytes of the message being received
	reading atomic.Bool            // the reader waits in ReadChunk
	rdState atomic.Int32           // rdRunning, or rdParked: waiting for input with no goroutine (park.go)
	unwatch atomic.Pointer[func()] // cancels the parked wait
	closing atomic.Bool            // teardown: input is read and dropped until the transport ends

	// own is the ownership token: callbacks run only in the goroutine
	// holding it. The service goroutine holds it for Established, requested
	// writeables and the close; the reader takes it to deliver a chunk
	// straight to Receive (and the writeable Receive asks for), saving a
	// goroutine switch per message. It is a channel because waiters on a
	// channel are served in order: a service goroutine writing as fast as
	// it may cannot keep a waiting reader out (a sync.Mutex lets it).
	own     chan struct{}
	stopped bool        // guarded by own: no more callbacks
	owned   atomic.Bool // own is held: a request need not wake the service
	wantW   atomic.Bool // a writeable has been asked for and not yet given

	// The write side. Every write to the transport happens under txMu, so
	// writes from any goroutine are serialized; busy is set while output
	// waits for the service goroutine to flush it, and no Writeable runs
	// until it has drained (the credit of invariant 3).
	txMu     sync.Mutex
	busy     atomic.Bool // written under txMu
	fragType MessageType // guarded by txMu: message in flight, 0 if none
	held     heldWrite   // guarded by txMu: a write kept for a transport that is not a Sender

	mu         sync.Mutex // guards the fields below
	cause      error      // why the connection is ending; first one wins
	ending     bool       // teardown has begun: no new timers or pings
	timeout    *time.Timer
	graceTimer *time.Timer
	pingTimer  *time.Timer
	pongTimer  *time.Timer
	pingHeard  uint64      // what the transport had heard when the last ping went
	userTimer  *time.Timer // SetTimer's
	timerGen   uint64      // counts SetTimer calls: a timer of an older one is stale
	timerDue   bool        // the timer fired and its callback waits for the service
	pings      sync.WaitGroup

	value atomic.Value

	// Instrumentation (observer.go), used only with a FlowObserver.
	rxOffAt atomic.Int64 // when rx was turned off (unix ns), 0 if on
	busyAt  atomic.Int64 // when output began to wait (unix ns), 0 if none
}

// Start runs a new connection over t: it calls newSession (in the caller's
// goroutine) to make the connection's Session, then starts the reader and
// service goroutines and returns. info may be nil. If opts.Set is shutting
// down, Start aborts t and returns ErrClosed; if newSession panics, Start
// aborts t, logs the panic and returns it as a *PanicError.
func Start(t Transport, info *Info, newSession func(*Conn) Session, opts *Options) (*Conn, error) {
	if info == nil {
		info = &Info{}
	}
	c := &Conn{
		t:          t,
		info:       info,
		id:         lastID.Add(1),
		cfg:        opts.settings(),
		readerExit: make(chan struct{}),
		done:       make(chan struct{}),
		own:        make(chan struct{}, 1),
	}
	c.sender, _ = t.(Sender)
	c.ready, _ = t.(ReadyReader)
	// The first run of the service goroutine is serve's: until it starts,
	// what is posted (a Close from the Set, a ping) only waits for it.
	c.svc.Store(svcRunning)
	if c.cfg.set != nil && !c.cfg.set.add(c) {
		t.Abort()
		return nil, ErrClosed
	}
	c.getRx = c.buffer
	if err := c.newSession(newSession); err != nil {
		t.Abort()
		if c.cfg.set != nil {
			c.cfg.set.remove(c)
		}
		return nil, err
	}
	if c.cfg.obs != nil {
		c.cfg.obs.ConnOpened(c)
	}
	if n, ok := t.(OutputNotifier); ok {
		n.NotifyOutput(c.outputWaits)
	}
	if _, ok := t.(Pinger); ok && c.cfg.pingInterval > 0 {
		// Under mu: the first ping may run before AfterFunc returns, and
		// it re-arms the timer.
		c.mu.Lock()
		c.pingTimer = time.AfterFunc(c.cfg.pingInterval, c.ping)
		c.mu.Unlock()
	}
	go c.serve() // it starts the reader once Established has run
	return c, nil
}

// ID is a number unique to this connection within the process.
func (c *Conn) ID() uint64 { return c.id }

// Info returns what is known of the connection's start: request headers,
// URL, peer address, subprotocol. It stays valid for the connection's life.
func (c *Conn) Info() *Info { return c.info }

// Session returns the connection's Session.
func (c *Conn) Session() Session { return c.sess }

// Transport returns the transport the connection runs over.
func (c *Conn) Transport() Transport { return c.t }

// SetValue attaches an application value to the connection.
func (c *Conn) SetValue(v any) { c.value.Store(&v) }

// Value returns the value stored by SetValue, or nil.
func (c *Conn) Value() any {
	if p, ok := c.value.Load().(*any); ok {
		return *p
	}
	return nil
}

// Done is closed when the connection has ended, before the Closed callback.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (what the Closed callback is
// given) once Done is closed, and nil before.
func (c *Conn) Err() error {
	select {
	case <-c.done:
	default:
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// RequestWritable asks for a Writeable callback once the transport can take
// more (lws_callback_on_writable). Any number of requests before the
// callback give one callback. It never blocks.
func (c *Conn) RequestWritable() {
	if c.wantW.Swap(true) {
		return // already asked for
	}
	if c.owned.Load() {
		return // the owner looks at wantW before it lets go
	}
	c.post(evWrite)
}

// SetRx turns reception on or off (lws_rx_flow_control). While off, no
// Receive callback runs and the reader stops reading the transport after at
// most the one chunk it holds, so the peer's sends stall.
func (c *Conn) SetRx(on bool) {
	if c.cfg.flowObs != nil {
		if on {
			c.rxOn()
		} else {
			c.rxOff()
		}
	}
	c.rx.Set(on)
	if !on && c.closing.Load() {
		// The close has begun: it opened rx after setting closing, so
		// either it sees this Set or this sees closing. The reader must
		// read on until the peer's answer.
		c.rx.Set(true)
	}
}

// RxOn reports whether reception is on.
func (c *Conn) RxOn() bool { return c.rx.IsOpen() }

// Write sends p as a whole message of type typ. It is legal once per
// Writeable callback and nowhere else. It never waits for the peer: what
// the transport cannot take at once is kept by the engine (the unsent part
// of this one message) and the next Writeable comes once it has gone out.
// p may be reused when Write returns.
func (c *Conn) Write(typ MessageType, p []byte) error {
	return c.WriteFragment(typ, p, true)
}

// sent finishes a write to a Sender, under txMu: the connection is busy
// while output waits, broken on an error (whatever the callback does with
// it), and the observer hears of n bytes sent.
func (c *Conn) sent(pending bool, err error, n int, final bool) error {
	if pending {
		c.markBusy()
	}
	if err != nil {
		c.abort(err)
		return err
	}
	if c.cfg.obs != nil {
		c.cfg.obs.Sent(c, n, final)
	}
	return nil
}

// WriteFragment sends p as the next fragment of a message of type typ;
// final ends the message. The fragments of one message go out over several
// Writeable callbacks, one per callback, all with the same type; each is on
// its way to the peer when the call returns.
func (c *Conn) WriteFragment(typ MessageType, p []byte, final bool) error {
	c.txMu.Lock()
	defer c.txMu.Unlock()
	if err := c.takeWrite(); err != nil {
		return err
	}
	if c.fragType != 0 && c.fragType != typ {
		return ErrFragmentType
	}
	c.fragType = typ
	if final {
		c.fragType = 0
	}
	if c.sender != nil {
		pending, err := c.sender.Send(typ, p, final)
		return c.sent(pending, err, len(p), final)
	}
	b := getBuffer(len(p))
	copy(*b, p)
	c.hold(heldWrite{buf: b, typ: typ, final: final})
	if c.cfg.obs != nil {
		c.cfg.obs.Sent(c, len(p), final)
	}
	return nil
}

// takeWrite uses the one write a Writeable callback permits; the caller
// holds txMu. A write another goroutine makes while a Writeable callback
// runs takes that callback's permission (its own write then fails with
// ErrBackToBack) and is serialized with it; writes at any other time fail
// with ErrNotWriteable.
func (c *Conn) takeWrite() error {
	if !c.writeState.CompareAndSwap(writeable, wrote) {
		if c.writeState.Load() == wrote {
			return ErrBackToBack
		}
		return ErrNotWriteable
	}
	return nil
}

// Close ends the connection from any goroutine with a WebSocket close code
// and reason. It returns at once; the service goroutine closes the transport
// (a peer that does not answer is cut off after the close grace) and the
// Closed callback follows. Closing a closed connection does nothing.
func (c *Conn) Close(code StatusCode, reason string) {
	c.end(&CloseError{Code: code, Reason: reason})
}

// SetTimeout arms the connection's timeout (lws_set_timeout): unless
// SetTimeout is called again first, the connection is closed after d with a
// *TimeoutError naming reason. d <= 0 cancels the timeout.
func (c *Conn) SetTimeout(d time.Duration, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timeout != nil {
		c.timeout.Stop()
		c.timeout = nil
	}
	if d > 0 && !c.ending {
		c.timeout = time.AfterFunc(d, func() { c.end(&TimeoutError{Reason: reason}) })
	}
}

// end records why the connection is ending, wakes the service goroutine and
// arms the grace timer that aborts a close the peer does not let finish.
func (c *Conn) end(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause != nil || c.ending {
		return
	}
	c.cause = cause
	c.graceTimer = time.AfterFunc(c.cfg.closeGrace, c.cut)
	c.post(evEnd)
}

// Abort ends the connection at once, from any goroutine, without a closing
// handshake: the transport is cut, and Closed follows with ErrClosed unless
// the connection was already ending for another reason.
func (c *Conn) Abort() { c.abort(ErrClosed) }

// abort ends the connection at once: the transport is cut.
func (c *Conn) abort(cause error) {
	c.mu.Lock()
	if c.cause == nil {
		c.cause = cause
	}
	c.mu.Unlock()
	c.cut()
	c.post(evEnd)
}

// cut aborts the transport and wakes a reader parked without a goroutine,
// which then finds the transport closed.
func (c *Conn) cut() {
	c.t.Abort()
	c.unpark()
}

// causeOf returns the recorded cause, or err when none is recorded yet.
func (c *Conn) causeOf(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cause == nil {
		c.cause = err
	}
	return c.cause
}
