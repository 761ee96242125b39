package lws

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
)

// newTLSListener hands net/http connections whose TLS handshake is done.
// Each accepted connection shakes hands in a goroutine of its own (see
// listen.Prepare), bounded by timeout, so a slow or silent client never
// holds up the accept loop; the outcome — done with the negotiated
// parameters, or failed with the error — goes to the vhost's OnHandshake
// and to the log. Failed connections are closed here and never reach
// net/http.
func newTLSListener(inner net.Listener, t *listenerTLS, timeout time.Duration, log *slog.Logger) net.Listener {
	return listen.Prepare(inner, func(ctx context.Context, c net.Conn) net.Conn {
		return handshake(ctx, c, t, timeout, log)
	})
}

// handshake shakes hands with c and reports the outcome; it returns the
// TLS connection, or nil when the handshake failed (c is closed).
func handshake(ctx context.Context, c net.Conn, t *listenerTLS, timeout time.Duration, log *slog.Logger) net.Conn {
	// A config of its own remembers the SNI name even when the handshake
	// fails before crypto/tls records it.
	var sni string
	tc := tls.Server(c, &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		sni = hello.ServerName
		return t.forName(sni).cfg, nil
	}})
	hctx, cancel := context.WithTimeout(ctx, timeout)
	start := time.Now()
	err := tc.HandshakeContext(hctx)
	cancel()
	st := tc.ConnectionState()
	if st.ServerName == "" {
		st.ServerName = sni
	}
	vt := t.forName(st.ServerName)
	ev := TLSEvent{Vhost: vt.name, Peer: c.RemoteAddr(), Err: err, State: st, Duration: time.Since(start)}
	if err != nil {
		log.Log(ctx, logging.LevelNotice, "tls handshake failed", "vhost", vt.name, "peer", c.RemoteAddr().String(),
			"sni", st.ServerName, "err", err)
	} else {
		log.Log(ctx, logging.LevelInfo, "tls handshake done", "vhost", vt.name, "peer", c.RemoteAddr().String(),
			"sni", st.ServerName, "version", tls.VersionName(st.Version),
			"cipher", tls.CipherSuiteName(st.CipherSuite), "alpn", st.NegotiatedProtocol)
	}
	if vt.events != nil {
		vt.events(ev)
	}
	if err != nil {
		tc.Close()
		return nil
	}
	return tc
}
