// Package client runs golws client connections without a server of one's
// own. lws makes client connections from a vhost of a context; Dial makes
// that hidden Server (one vhost, no listener) for the connection's
// protocol, connects, and closes the Server when the client ends:
//
//	c, err := client.Dial(client.Options{
//		ConnectOptions: lws.ConnectOptions{URL: "ws://127.0.0.1:7681"},
//		Protocol:       &lws.Protocol{Name: "lws-echo", NewSession: newSession},
//	})
//	...
//	err = c.Wait() // until the connection has ended
//
// The session is the same conn.Session a server's protocol has; options
// such as Retry, HTTP requests and everything else of lws.ConnectOptions
// work as they do from Vhost.Connect. A program with a Server of its own
// connects from one of its vhosts instead (Vhost.Connect).
package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

// Options describe a standalone client connection.
type Options struct {
	// ConnectOptions say where and how to connect; Protocol names are
	// ignored (the connection is Protocol's).
	lws.ConnectOptions
	// Protocol makes the connection's session (NewSession, a new one for
	// each connection when Retry reconnects) and sets its buffers, ping
	// interval and compression; its Name is the subprotocol offered unless
	// Subprotocols says otherwise. Required.
	Protocol *lws.Protocol
	// Logger receives the log. Nil means warnings and errors to stderr.
	Logger *slog.Logger
}

// Client is a standalone client connection: the lws.Client (its attempt
// and connection) and the Server it runs in.
type Client struct {
	*lws.Client
	srv *lws.Server
}

// ErrNoProtocol is returned by Dial when Options.Protocol is nil.
var ErrNoProtocol = errors.New("client: Options.Protocol is nil: it makes the connection's session")

// Dial starts the connection and returns at once, like Vhost.Connect; the
// attempt goes on in the background. Errors in the options are returned
// here; a failed attempt is reported to ConnectionError (or logged) and by
// Err once Ended is closed. Close ends the client early.
func Dial(o Options) (*Client, error) {
	if o.Protocol == nil {
		return nil, ErrNoProtocol
	}
	log := o.Logger
	if log == nil {
		log = logging.NewLogger(os.Stderr, logging.LevelWarn)
	}
	srv := lws.New(&lws.Options{Logger: log})
	vh, err := srv.NewVhost(lws.VhostOptions{Name: "client", Protocols: []*lws.Protocol{o.Protocol}})
	if err == nil {
		err = srv.Start()
	}
	if err != nil {
		srv.Close()
		return nil, err
	}
	o.ConnectOptions.Protocol = o.Protocol.Name
	h, err := vh.Connect(o.ConnectOptions)
	if err != nil {
		srv.Close()
		return nil, err
	}
	c := &Client{Client: h, srv: srv}
	go func() {
		<-h.Ended()
		srv.Close() // runs the protocol's Destroy
	}()
	return c, nil
}

// Wait blocks until the client has ended and every callback of its
// connections has returned (the protocol's Destroy too). It returns nil
// when the last connection ended well — a WebSocket with a normal closure
// (1000, from either side), an HTTP response read to its end — else why
// the client ended: the *lws.ConnectError of a failed attempt, or the
// error its connection ended with.
func (c *Client) Wait() error {
	<-c.Ended()
	c.srv.Close() // waits for the Closed callbacks, then runs Destroy
	return normal(c.Err())
}

// Close ends the client — a pending attempt is abandoned, the connection
// closed with 1000, and no reconnection follows — and then waits as Wait
// does, returning what Wait returns.
func (c *Client) Close() error {
	c.Client.Close()
	return c.Wait()
}

// Run connects as o says and returns when the client has ended, as Wait
// does: its attempt failed, its connection ended, or, with Retry, it gave
// up or was closed (lws.ClientOf(c).Close() from a callback). When ctx ends
// first, the client is closed and Run returns ctx's error.
func Run(ctx context.Context, o Options) error {
	c, err := Dial(o)
	if err != nil {
		return err
	}
	select {
	case <-c.Ended():
		return c.Wait()
	case <-ctx.Done():
		c.Close()
		return ctx.Err()
	}
}

// normal hides the "error" of a connection that ended well: a normal
// closure, or the end of an HTTP response body (io.EOF).
func normal(err error) error {
	if ce := (*conn.CloseError)(nil); errors.As(err, &ce) && ce.Code == conn.StatusNormal || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
