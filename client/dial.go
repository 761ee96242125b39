package client

import (
	"context"
	"crypto/tls"
	"net"
)

// dialer makes the TCP and TLS connections of client attempts. Its errors
// are stageErrors, so a failure is classified by where it happened rather
// than by its message. Dials also end when closing does (shutdown).
type dialer struct {
	net     *net.Dialer
	tls     *tls.Config // nil: defaults
	protos  []string    // ALPN offered over TLS
	force   bool        // offer protos even if tls has NextProtos
	closing context.Context
}

// newDialer makes a dialer offering protos by ALPN, unless cfg names its
// own NextProtos and force is false.
func newDialer(d *net.Dialer, cfg *tls.Config, protos []string, force bool, closing context.Context) *dialer {
	if d == nil {
		d = &net.Dialer{}
	}
	return &dialer{net: d, tls: cfg, protos: protos, force: force, closing: closing}
}

// bound returns ctx, also ended when the vhost shuts down.
func (d *dialer) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(d.closing, cancel)
	return ctx, func() { stop(); cancel() }
}

// dial opens a TCP connection.
func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	c, err := d.net.DialContext(ctx, network, addr)
	if err != nil {
		return nil, tcpStage(err)
	}
	return c, nil
}

// dialTLS opens a TCP connection and runs the TLS handshake over it.
func (d *dialer) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{}
	if d.tls != nil {
		cfg = d.tls.Clone()
	}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	if len(cfg.NextProtos) == 0 || d.force {
		cfg.NextProtos = d.protos
	}
	tc := tls.Client(raw, cfg)
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, &stageError{ConnectTLS, err}
	}
	return tc, nil
}
