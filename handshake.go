package lws

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/golws/lws/logging"
)

// tlsListener hands net/http connections whose TLS handshake is done. Each
// accepted connection shakes hands in a goroutine of its own, bounded by a
// timeout, so a slow or silent client never holds up the accept loop; the
// outcome — done with the negotiated parameters, or failed with the error
// — goes to the vhost's OnHandshake and to the log. Failed connections are
// closed here and never reach net/http.
//
// Concurrency: Accept is called by one goroutine (http.Server.Serve); Close
// from any. The accept loop and every handshake goroutine end by Close.
type tlsListener struct {
	net.Listener
	t       *listenerTLS
	timeout time.Duration
	log     *slog.Logger

	ready  chan net.Conn // handshaken connections, handed over by Accept
	failed chan error    // the accept loop's final error
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards started, closed and wg.Add from Accept
	started bool
	closed  bool
	wg      sync.WaitGroup
}

func newTLSListener(inner net.Listener, t *listenerTLS, timeout time.Duration, log *slog.Logger) *tlsListener {
	ctx, cancel := context.WithCancel(context.Background())
	return &tlsListener{
		Listener: inner, t: t, timeout: timeout, log: log,
		ready: make(chan net.Conn), failed: make(chan error, 1),
		ctx: ctx, cancel: cancel,
	}
}

// Accept returns the next connection that completed its handshake.
func (l *tlsListener) Accept() (net.Conn, error) {
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

// Close stops accepting, cuts off handshakes in progress and waits for
// every goroutine of the listener.
func (l *tlsListener) Close() error {
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

func (l *tlsListener) acceptLoop() {
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
		go l.handshake(c)
	}
}

// handshake shakes hands with c, reports the outcome, and hands c over.
func (l *tlsListener) handshake(c net.Conn) {
	defer l.wg.Done()
	// A config of its own remembers the SNI name even when the handshake
	// fails before crypto/tls records it.
	var sni string
	tc := tls.Server(c, &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		sni = hello.ServerName
		return l.t.forName(sni).cfg, nil
	}})
	ctx, cancel := context.WithTimeout(l.ctx, l.timeout)
	start := time.Now()
	err := tc.HandshakeContext(ctx)
	cancel()
	st := tc.ConnectionState()
	if st.ServerName == "" {
		st.ServerName = sni
	}
	vt := l.t.forName(st.ServerName)
	ev := TLSEvent{Vhost: vt.name, Peer: c.RemoteAddr(), Err: err, State: st, Duration: time.Since(start)}
	if err != nil {
		l.log.Log(l.ctx, logging.LevelNotice, "tls handshake failed", "vhost", vt.name, "peer", c.RemoteAddr().String(),
			"sni", st.ServerName, "err", err)
	} else {
		l.log.Log(l.ctx, logging.LevelInfo, "tls handshake done", "vhost", vt.name, "peer", c.RemoteAddr().String(),
			"sni", st.ServerName, "version", tls.VersionName(st.Version),
			"cipher", tls.CipherSuiteName(st.CipherSuite), "alpn", st.NegotiatedProtocol)
	}
	if vt.events != nil {
		vt.events(ev)
	}
	if err != nil {
		tc.Close()
		return
	}
	select {
	case l.ready <- tc:
	case <-l.ctx.Done():
		tc.Close()
	}
}
