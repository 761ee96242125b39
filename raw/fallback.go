package raw

import (
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// Defaults of FallbackOptions.
const (
	// DefaultSniffTimeout is a typical FallbackOptions.Timeout for a
	// program that opts in to the silence rule (telnet users who do not
	// type first). It is not applied by default: a zero Timeout means no
	// silence rule.
	DefaultSniffTimeout = 2 * time.Second
	// DefaultMaxSniffing bounds the connections being sniffed at once.
	DefaultMaxSniffing = 1024
)

// sniffSize is the most a sniff reads: it is small enough that the HTTP
// server's first read of a connection takes all of it back (see prefixConn).
const sniffSize = 64

// FallbackOptions configure a Fallback. A nil *FallbackOptions means all
// defaults.
type FallbackOptions struct {
	// Timeout, if positive, is the silence rule: a connection that sends
	// nothing in that time (a telnet user who has not typed yet) goes to
	// the raw handler with no first bytes; one that has sent only part of
	// a method goes there with what it sent. Zero (the default) means no
	// silence rule: the first bytes decide, however late they come, as in
	// lws. Browsers open spare connections and send their request on them
	// later, so a silence rule hands those to raw: opt in only where no
	// browser connects.
	Timeout time.Duration
	// IdleTimeout, if positive, bounds the wait for the first bytes when
	// there is no silence rule (or a longer one): a connection that has
	// sent nothing by then is closed, as an HTTP server closes one that
	// sends no request; one that has sent part of a method goes to the raw
	// handler with it. Zero means no bound (Close still ends the wait).
	IdleTimeout time.Duration
	// MaxSniffing bounds how many connections are sniffed at once; while
	// that many are, accepting waits (new connections queue in the kernel's
	// listen backlog). Zero means DefaultMaxSniffing.
	MaxSniffing int
}

// Fallback is a net.Listener that shares a listening socket between an HTTP
// server and a raw protocol (lws's LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG
// with a "raw-skt" role). Each accepted connection is sniffed in a
// goroutine of its own: if its first bytes are an HTTP method (HTTP/1 or
// the HTTP/2 preface) or a TLS ClientHello, Accept returns it, with the
// bytes already read replayed to its reader; otherwise, or if it sends
// nothing within the silence timeout (when one is set), it goes to the raw
// handler with those bytes.
//
// Give a Fallback to http.Server.Serve in place of the listener; put it
// under tls.NewListener to sniff before TLS. Accept and Close are safe from
// any goroutine.
//
// Without a silence timeout (the default) a connection is classified by
// its first bytes only, however late they come, so clients that open a
// connection and wait before sending (browsers pre-connect) still get HTTP.
// With one, they are taken for raw clients once it passes.
type Fallback struct {
	ln      net.Listener
	raw     func(nc net.Conn, first []byte)
	timeout time.Duration // the silence rule; zero: none
	idle    time.Duration // the bound on waiting without one; zero: none

	slots  chan struct{} // one per connection being sniffed
	httpc  chan accepted // sniffers → Accept
	done   chan struct{} // closed by Close
	failed chan struct{} // closed when the accept loop stops on an error
	err    error         // why, set before failed is closed

	mu       sync.Mutex
	sniffing map[net.Conn]struct{}
	started  bool
	closed   bool
	wg       sync.WaitGroup // the accept loop and the sniffers
}

type accepted struct {
	nc  net.Conn
	err error
}

var _ net.Listener = (*Fallback)(nil)

// NewFallback wraps ln. raw receives each connection that is not HTTP, with
// the bytes already read from it (possibly none); it takes ownership of the
// connection and is called from the sniffing goroutine, so it should hand
// the connection on and return (adopting it into the engine does). Closing
// the Fallback closes ln.
func NewFallback(ln net.Listener, raw func(nc net.Conn, first []byte), opts *FallbackOptions) *Fallback {
	f := &Fallback{
		ln:       ln,
		raw:      raw,
		httpc:    make(chan accepted),
		done:     make(chan struct{}),
		failed:   make(chan struct{}),
		sniffing: make(map[net.Conn]struct{}),
	}
	max := DefaultMaxSniffing
	if opts != nil {
		if opts.Timeout > 0 {
			f.timeout = opts.Timeout
		}
		if opts.IdleTimeout > 0 {
			f.idle = opts.IdleTimeout
		}
		if opts.MaxSniffing > 0 {
			max = opts.MaxSniffing
		}
	}
	f.slots = make(chan struct{}, max)
	return f
}

// Accept returns the next connection whose first bytes are HTTP or TLS.
// The first call starts accepting from the wrapped listener.
func (f *Fallback) Accept() (net.Conn, error) {
	f.mu.Lock()
	if !f.started && !f.closed {
		f.started = true
		f.wg.Add(1)
		go f.acceptLoop()
	}
	f.mu.Unlock()
	select {
	case a := <-f.httpc:
		return a.nc, a.err
	case <-f.failed:
		return nil, f.err
	case <-f.done:
		return nil, &net.OpError{Op: "accept", Net: f.ln.Addr().Network(), Addr: f.ln.Addr(), Err: net.ErrClosed}
	}
}

// Close closes the wrapped listener and the connections still being
// sniffed, and waits for the Fallback's goroutines to end.
func (f *Fallback) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return &net.OpError{Op: "close", Net: f.ln.Addr().Network(), Addr: f.ln.Addr(), Err: net.ErrClosed}
	}
	f.closed = true
	for nc := range f.sniffing {
		nc.Close()
	}
	f.mu.Unlock()
	close(f.done)
	err := f.ln.Close()
	f.wg.Wait()
	return err
}

// Addr is the wrapped listener's address.
func (f *Fallback) Addr() net.Addr { return f.ln.Addr() }

// acceptLoop accepts connections and starts a sniffer for each, at most
// MaxSniffing at a time. Errors go to Accept's caller (net/http retries
// temporary ones after a pause, during which this loop waits to hand the
// error over); a permanent error stops the loop.
func (f *Fallback) acceptLoop() {
	defer f.wg.Done()
	for {
		select {
		case f.slots <- struct{}{}:
		case <-f.done:
			return
		}
		nc, err := f.ln.Accept()
		if err != nil {
			<-f.slots
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				select {
				case f.httpc <- accepted{err: err}:
					continue
				case <-f.done:
					return
				}
			}
			f.err = err
			close(f.failed)
			return
		}
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			nc.Close()
			<-f.slots
			return
		}
		f.sniffing[nc] = struct{}{}
		f.wg.Add(1)
		f.mu.Unlock()
		go f.sniff(nc)
	}
}

// isTemporary reports accept errors worth retrying: out of descriptors or
// buffers, or a connection that died while queued.
func isTemporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// sniff reads nc's first bytes and passes it on by what they are.
func (f *Fallback) sniff(nc net.Conn) {
	defer f.wg.Done()
	defer func() { <-f.slots }()

	buf := make([]byte, sniffSize)
	n, class := 0, NeedMore
	var rerr error
	// The silence rule, if any, unless the idle bound comes first.
	silence := f.timeout > 0 && (f.idle == 0 || f.timeout <= f.idle)
	wait := f.idle
	if silence {
		wait = f.timeout
	}
	if wait > 0 {
		if err := nc.SetReadDeadline(time.Now().Add(wait)); err != nil {
			rerr = err
		}
	}
	for rerr == nil && class == NeedMore && n < len(buf) {
		var m int
		m, rerr = nc.Read(buf[n:])
		n += m
		class = Classify(buf[:n])
	}
	timedOut := errors.Is(rerr, os.ErrDeadlineExceeded)
	if timedOut && n == 0 && !silence {
		// Idle: it never said anything. Close it, as the HTTP server
		// would; it is not a raw client for having kept quiet.
		rerr = errIdle
	} else if rerr == nil || timedOut {
		rerr = nc.SetReadDeadline(time.Time{})
	}

	f.mu.Lock()
	closed := f.closed
	delete(f.sniffing, nc)
	f.mu.Unlock()
	switch {
	case closed:
		nc.Close() // Close has closed it already; this is for the race
		return
	case n == 0 && rerr != nil:
		nc.Close() // gone (or broken) before saying anything
		return
	}
	first := buf[:n]
	switch class {
	case HTTP, TLS:
		select {
		case f.httpc <- accepted{nc: &prefixConn{Conn: nc, pre: first}}:
		case <-f.done:
			nc.Close()
		}
	default:
		f.raw(nc, first)
	}
}

// errIdle marks a connection that sent nothing within the idle bound.
var errIdle = errors.New("raw: no first bytes within the idle timeout")

// prefixConn replays the bytes the sniffer read before reading nc.
//
// It exposes the socket's descriptor (SyscallConn) so that a WebSocket
// hijacked from it keeps reading without a buffer while idle. Reads through
// the descriptor skip pre, but nobody makes them before pre is gone: the
// HTTP server's first read of the connection takes all of pre, which is at
// most sniffSize bytes, and hijacking comes after a whole request.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite half-closes the socket where it can (net/http's lingering
// close uses it).
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// SyscallConn gives the socket's raw descriptor.
func (c *prefixConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// NetConn returns the accepted connection.
func (c *prefixConn) NetConn() net.Conn { return c.Conn }
