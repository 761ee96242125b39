package client

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

// ErrNoProtocol is returned by Dial and Run when the protocol is nil.
var ErrNoProtocol = errors.New("client: no protocol: it makes the connection's session")

// Dial starts a client connection of protocol p without a Server of one's
// own, and returns at once as Connect does. It makes that Server itself
// (one vhost speaking p, no listener) and closes it, running p's Destroy,
// when the client ends. p makes the session (NewSession: a new one for
// each connection when Retry reconnects) and sets the buffers, ping
// interval and compression; its Name is the subprotocol offered unless
// o.Subprotocols says otherwise. o.Protocol is ignored.
func Dial(p *lws.Protocol, o Options) (*Client, error) {
	if p == nil {
		return nil, ErrNoProtocol
	}
	log := o.Logger
	if log == nil {
		log = logging.NewLogger(os.Stderr, logging.LevelWarn)
	}
	srv := lws.New(&lws.Options{Logger: log})
	vh, err := srv.NewVhost(lws.VhostOptions{Name: "client", Protocols: []*lws.Protocol{p}})
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		srv.Close()
		return nil, err
	}
	o.Protocol = p.Name
	h, err := Connect(vh, o)
	if err != nil {
		srv.Close()
		return nil, err
	}
	h.srv = srv
	go func() {
		<-h.Ended()
		srv.Close()
	}()
	return h, nil
}

// Run dials as Dial does and returns what Wait returns once the client has
// ended: its attempt failed, its connection ended, or, with Retry, it gave
// up or was closed (Of(c).Close() from a callback). When ctx ends first,
// the client is closed and Run returns ctx's error.
func Run(ctx context.Context, p *lws.Protocol, o Options) error {
	h, err := Dial(p, o)
	if err != nil {
		return err
	}
	select {
	case <-h.Ended():
		return h.Wait()
	case <-ctx.Done():
		h.Close()
		h.Wait()
		return ctx.Err()
	}
}

// Wait blocks until the client has ended (see Ended) and returns nil when
// its last connection ended well — a WebSocket with a normal closure
// (1000, from either side), an HTTP response read to its end — else why:
// the *ConnectError of a failed attempt, or the error its connection ended
// with. For a client of Dial it also waits for every callback of its
// connections and for the protocol's Destroy.
func (h *Client) Wait() error {
	<-h.Ended()
	if h.srv != nil {
		h.srv.Close() // waits for the Closed callbacks, then runs Destroy
	}
	return normal(h.Err())
}

// normal hides the "error" of a connection that ended well: a normal
// closure, or the end of an HTTP response body (io.EOF).
func normal(err error) error {
	if ce := (*conn.CloseError)(nil); errors.As(err, &ce) && ce.Code == conn.StatusNormal || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
