package lws

import (
	"context"
	"fmt"
	"net"
	"time"
)

// DefaultDialTimeout bounds a client connection's dial when the caller's
// context has no earlier deadline.
const DefaultDialTimeout = 5 * time.Second

// DialError is what a protocol's ConnectError callback receives when a
// client connection could not be made.
type DialError struct {
	// Protocol and Address are those the dial was asked for.
	Protocol, Address string
	// Err is the cause: the dial's error (refused, unknown host, timeout,
	// the context's end) or why the connection could not start.
	Err error
}

// Error names the connection and the cause.
func (e *DialError) Error() string {
	return fmt.Sprintf("lws: raw client connection to %s (protocol %q): %v", e.Address, e.Protocol, e.Err)
}

// Unwrap returns the cause.
func (e *DialError) Unwrap() error { return e.Err }

// DialRaw opens a raw TCP client connection to address for the named
// protocol (lws's client connection with method "RAW"). Like lws's client
// connections it is asynchronous: it returns at once, and the connection is
// dialled in the background while Run runs (a DialRaw made before Run
// dials once Run starts). When the connection is made, a session of the
// protocol is created and its Established callback runs, then Receive,
// Writeable and Closed as on any raw connection. When it cannot be made,
// the protocol's ConnectError callback receives a *DialError with the
// address and the cause, and no session is created (without ConnectError,
// the failure is logged).
//
// ctx bounds the dial only, not the connection's life; without a deadline
// the dial gives up after DefaultDialTimeout. DialRaw itself fails only for
// a protocol the vhost does not have, or once Run has ended.
func (v *Vhost) DialRaw(ctx context.Context, address, protocol string) error {
	vp, err := v.protocolFor(protocol)
	if err != nil {
		return err
	}
	return v.srv.tasks.Go(func(runCtx context.Context) {
		if err := v.dialRaw(ctx, runCtx, address, protocol); err != nil {
			vp.connectError(&DialError{Protocol: protocol, Address: address, Err: err})
		}
	})
}

// dialRaw dials address and adopts the connection. The dial ends with ctx,
// with Run's context, or after DefaultDialTimeout.
func (v *Vhost) dialRaw(ctx, runCtx context.Context, address, protocol string) error {
	dctx, cancel := context.WithTimeout(runCtx, DefaultDialTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if d, ok := ctx.Deadline(); ok {
		var c2 context.CancelFunc
		dctx, c2 = context.WithDeadline(dctx, d)
		defer c2()
	}
	if err := ctx.Err(); err != nil {
		return err // ended before the dial began
	}
	nc, err := new(net.Dialer).DialContext(dctx, "tcp", address)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		nc.Close() // connected, but too late
		return err
	}
	_, err = v.AdoptConn(nc, protocol)
	return err
}

// connectError reports a failed client connection to the protocol.
func (vp *VhostProtocol) connectError(err *DialError) {
	if vp.Protocol.ConnectError != nil {
		vp.Protocol.ConnectError(vp, err)
		return
	}
	vp.Vhost.Logger().Warn("client connection failed", "protocol", err.Protocol, "addr", err.Address, "err", err.Err)
}
