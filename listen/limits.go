package listen

import (
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"sync"
	"syscall"
)

// FDReserve is how many file descriptors the default connection limit
// leaves to everything else the process opens (files, client sockets, the
// listeners themselves): the default limit (lws.Options.MaxConns) is the
// process's RLIMIT_NOFILE less FDReserve.
const FDReserve = 64

// DefaultMaxConns returns the connection limit used when none is given
// (lws.Options.MaxConns zero): the soft RLIMIT_NOFILE (which the Go runtime raises to the hard
// limit at start) less FDReserve, at least 1.
func DefaultMaxConns() int {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 1024 - FDReserve
	}
	n := uint64(math.MaxInt32)
	if r.Cur < n {
		n = r.Cur
	}
	if n <= FDReserve {
		return 1
	}
	return int(n) - FDReserve
}

// Limits are connection and request limits shared by several listeners
// (lws's max-fds and peer limits; in golws, a Server's). Its methods are
// safe from any goroutine.
type Limits struct {
	max      int // connections in all; <= 0: none
	perIP    int // connections per peer IP; <= 0: none
	reqPerIP int // requests in progress per peer IP; <= 0: none

	mu    sync.Mutex
	total int
	conns map[string]int
	reqs  map[string]*ipRequests
}

// ipRequests is one peer IP's share of the soft request limit.
type ipRequests struct {
	slots   chan struct{} // a token per request in progress
	refs    int           // requests holding or waiting for a slot
	waiting int           // requests waiting for a slot
}

// NewLimits returns limits of max connections in all (0:
// DefaultMaxConns, negative: none), perIP connections from one peer IP and
// reqPerIP requests of one peer IP in progress at once (<= 0: none).
func NewLimits(max, perIP, reqPerIP int) *Limits {
	l := &Limits{max: max, perIP: perIP, reqPerIP: reqPerIP}
	if l.max == 0 {
		l.max = DefaultMaxConns()
	}
	l.conns = map[string]int{}
	l.reqs = map[string]*ipRequests{}
	return l
}

// admit counts a new connection from ip, or says why it is refused.
func (l *Limits) admit(ip string) (release func(), refused string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.total >= l.max {
		return nil, "connection limit reached"
	}
	if l.perIP > 0 && l.conns[ip] >= l.perIP {
		return nil, "per-IP connection limit reached"
	}
	l.total++
	l.conns[ip]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.total--
			if l.conns[ip]--; l.conns[ip] <= 0 {
				delete(l.conns, ip)
			}
		})
	}, ""
}

// acquire waits for a request slot of ip, or for ctx to end.
func (l *Limits) acquire(ctx context.Context, ip string) (release func(), err error) {
	l.mu.Lock()
	r := l.reqs[ip]
	if r == nil {
		r = &ipRequests{slots: make(chan struct{}, l.reqPerIP)}
		l.reqs[ip] = r
	}
	r.refs++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		if r.refs--; r.refs == 0 {
			delete(l.reqs, ip)
		}
		l.mu.Unlock()
	}
	select {
	case r.slots <- struct{}{}:
	default:
		l.mu.Lock()
		r.waiting++
		l.mu.Unlock()
		select {
		case r.slots <- struct{}{}:
		case <-ctx.Done():
			err = ctx.Err()
		}
		l.mu.Lock()
		r.waiting--
		l.mu.Unlock()
		if err != nil {
			done()
			return nil, err
		}
	}
	return func() { <-r.slots; done() }, nil
}

// Requests wraps h so that at most reqPerIP requests of one peer IP are
// processed at once; the others wait their turn (they are not refused)
// until a slot frees or the client goes away. Without a request limit it
// returns h.
func (l *Limits) Requests(h http.Handler) http.Handler {
	if l.reqPerIP <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := l.acquire(r.Context(), hostOf(r.RemoteAddr))
		if err != nil {
			return // the client left while waiting
		}
		defer release()
		h.ServeHTTP(w, r)
	})
}

// Listener applies the connection limits to ln: a connection over a limit
// is accepted and closed at once, and refuse is told why. Without
// connection limits it returns ln.
func (l *Limits) Listener(ln net.Listener, refuse func(c net.Conn, why string)) net.Listener {
	if l.max <= 0 && l.perIP <= 0 {
		return ln
	}
	return &limitListener{Listener: ln, lim: l, refuse: refuse}
}

// Conns is the number of connections counted now.
func (l *Limits) Conns() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

// limitListener applies the connection limits to a listener: a connection
// over a limit is accepted and closed at once (the peer sees the connection
// end before any byte), and logged; the others are counted until closed.
type limitListener struct {
	net.Listener
	lim    *Limits
	refuse func(c net.Conn, why string)
}

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		release, why := l.lim.admit(hostOf(c.RemoteAddr().String()))
		if why != "" {
			c.Close()
			l.refuse(c, why)
			continue
		}
		return &countedConn{Conn: c, release: release}, nil
	}
}

// countedConn gives its slot back when closed, however it is closed (by
// net/http, by the WebSocket engine after a hijack, or by TLS).
type countedConn struct {
	net.Conn
	release func()
}

// Close closes the connection and releases its slot (once).
func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// SyscallConn gives access to the socket, so that hijacked connections can
// still wait for readability without a buffer (see conn.AcceptWebSocket).
func (c *countedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

// ReadFrom lets net/http send files with sendfile(2) as it does on a bare
// TCP connection.
func (c *countedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// CloseWrite shuts the sending side down, as net/http does to end a
// response cleanly before closing.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Unwrap returns the accepted connection.
func (c *countedConn) Unwrap() net.Conn { return c.Conn }

// hostOf returns the IP of a host:port address, or the address itself.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}
