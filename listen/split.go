package listen

import (
	"bufio"
	"context"
	"net"
	"time"
)

// tlsRecordHandshake is the first byte of every TLS ClientHello.
const tlsRecordHandshake = 0x16

// SplitTLS splits the connections of ln by their first byte: those that
// start a TLS handshake come out of tlsConns, the others out of plain (for
// a plain HTTP server: a redirect to https, or lws's
// allow-http-on-https). The first byte is awaited for up to timeout; a
// connection silent that long is closed. Closing tlsConns closes ln and
// ends plain's Accept; closing plain does nothing.
func SplitTLS(ln net.Listener, timeout time.Duration) (tlsConns, plain net.Listener) {
	pl := &chanListener{ch: make(chan net.Conn), addr: ln.Addr()}
	p := Prepare(ln, func(ctx context.Context, c net.Conn) net.Conn {
		br := bufio.NewReaderSize(c, 1)
		c.SetReadDeadline(time.Now().Add(timeout))
		first, err := br.Peek(1)
		c.SetReadDeadline(time.Time{})
		if err != nil {
			c.Close()
			return nil
		}
		bc := &bufferedConn{Conn: c, r: br}
		if first[0] == tlsRecordHandshake {
			return bc
		}
		select {
		case pl.ch <- bc:
		case <-ctx.Done():
			c.Close()
		}
		return nil
	})
	pl.done = p.Done()
	return p, pl
}

// bufferedConn is a net.Conn whose first bytes were peeked.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener hands out the connections sent on ch until done.
type chanListener struct {
	ch   chan net.Conn
	done <-chan struct{}
	addr net.Addr
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error   { return nil }
func (l *chanListener) Addr() net.Addr { return l.addr }
