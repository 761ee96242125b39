package lws

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/golws/lws/mux"
	"github.com/golws/lws/tlsconf"
)

// TLSOptions serve a vhost over TLS. Every vhost on a TLS listener may have
// its own: the client's SNI name picks the vhost (exact, then parent domain,
// then the listener's default vhost, as for Host), and that vhost's
// certificate, versions and cipher suites answer the handshake. A vhost
// without TLSOptions that joins a TLS listener is served with the default
// vhost's (certificate, versions and OnHandshake). The listener's TLS-ness
// is decided by the vhost that opens it.
//
// One certificate source is required: CertFile and KeyFile, Certificates,
// or GetCertificate.
type TLSOptions struct {
	// CertFile and KeyFile are PEM files of the certificate chain and its
	// private key (RSA or ECDSA), read once by NewVhost.
	CertFile, KeyFile string
	// Certificates are certificates held in memory; with several, the one
	// matching the client's SNI and signature schemes is chosen.
	Certificates []tls.Certificate
	// GetCertificate, if set, returns the certificate for a handshake that
	// SNI led to this vhost (user code in lws's
	// LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX role). It takes precedence over
	// the other sources; returning nil, nil falls back to them.
	GetCertificate func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// Configure, if set, is given the vhost's finished tls.Config to adjust
	// last — for example ClientAuth and ClientCAs to verify client
	// certificates (lws's LOAD_EXTRA_SERVER_VERIFY_CERTS), or session
	// ticket keys. An error fails NewVhost.
	Configure func(*tls.Config) error
	// MinVersion is the lowest TLS version accepted, such as
	// tls.VersionTLS13. Zero means TLS 1.2.
	MinVersion uint16
	// MaxVersion is the highest TLS version offered. Zero means the
	// highest Go supports (TLS 1.3).
	MaxVersion uint16
	// CipherSuites restricts the TLS 1.0–1.2 cipher suites (lws's
	// ssl_cipher_list), by IANA name ("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
	// or OpenSSL name ("ECDHE-ECDSA-AES128-GCM-SHA256"); an unknown or
	// insecure name fails NewVhost. TLS 1.3 suites are always enabled in
	// Go: their names are accepted and change nothing; to use only the
	// listed suites set MaxVersion to tls.VersionTLS12. Empty means Go's
	// default list.
	CipherSuites []string
	// CipherList, if set, is an OpenSSL cipher list ("HIGH:!aNULL:!MD5"),
	// lws's ssl_cipher_list, mapped by tlsconf.CipherList; it replaces
	// CipherSuites. A list that allows nothing fails NewVhost.
	CipherList string
	// ClientCAFile is a PEM file of the CAs whose client certificates
	// the vhost trusts (lws's ssl_ca_filepath).
	ClientCAFile string
	// ClientCertRequired refuses handshakes without a client certificate
	// signed by a CA of ClientCAFile (lws's
	// LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT).
	ClientCertRequired bool
	// Curves restricts the ECDH curves (lws's ecdh_curve), by OpenSSL or
	// Go name (see tlsconf.Curves). Empty means Go's default.
	Curves []string
	// OnHandshake, if set, is told of every handshake SNI led to this
	// vhost (or, without SNI, the listener's default vhost): done, with the
	// negotiated version, cipher suite, SNI name and ALPN protocol, or
	// failed, with the error and the peer (lws's SSL info callback). It
	// runs in the connection's handshake goroutine and should return soon.
	OnHandshake func(TLSEvent)
}

// TLSEvent reports one TLS handshake on a listener.
type TLSEvent struct {
	// Vhost is the name of the vhost the client's SNI chose.
	Vhost string
	// Peer is the client's address.
	Peer net.Addr
	// Err is nil when the handshake completed, else why it failed.
	Err error
	// State is the negotiated connection: Version, CipherSuite,
	// ServerName (SNI) and NegotiatedProtocol (ALPN). After a failure only
	// ServerName may be set.
	State tls.ConnectionState
	// Duration is how long the handshake took.
	Duration time.Duration
}

// ErrNoCertificate is returned by NewVhost for TLSOptions with no
// certificate source.
var ErrNoCertificate = errors.New("lws: TLS needs CertFile and KeyFile, Certificates or GetCertificate")

// vhostTLS is one vhost's TLS set-up on a listener.
type vhostTLS struct {
	name   string
	cfg    *tls.Config
	events func(TLSEvent)
}

// listenerTLS chooses per handshake the vhost whose TLS answers it.
type listenerTLS struct {
	base   *tls.Config // ALPN list only: tells net/http to enable h2
	l      *listener
	vhosts map[*mux.Vhost]*vhostTLS
}

func newListenerTLS(l *listener) *listenerTLS {
	t := &listenerTLS{l: l, vhosts: map[*mux.Vhost]*vhostTLS{}}
	t.base = &tls.Config{NextProtos: l.nextProtos()}
	return t
}

// forName returns the TLS of the vhost that serves the SNI name.
func (t *listenerTLS) forName(name string) *vhostTLS {
	if vt := t.vhosts[t.l.hosts.Match(name)]; vt != nil {
		return vt
	}
	return t.vhosts[t.l.hosts[0]]
}

// nextProtos are the ALPN protocols the listener offers.
func (l *listener) nextProtos() []string {
	if l.opts != nil && l.opts.DisableHTTP2 {
		return []string{"http/1.1"}
	}
	return []string{"h2", "http/1.1"}
}

// vhostTLSConfig builds the tls.Config of vhost name from o.
func vhostTLSConfig(name string, o *TLSOptions, nextProtos []string) (*tls.Config, error) {
	cfg := &tls.Config{
		MinVersion: o.MinVersion,
		MaxVersion: o.MaxVersion,
		NextProtos: nextProtos,
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	cfg.Certificates = append(cfg.Certificates, o.Certificates...)
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("lws: vhost %q: TLS CertFile %q / KeyFile %q: %w", name, o.CertFile, o.KeyFile, err)
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	if get := o.GetCertificate; get != nil {
		cfg.GetCertificate = get
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		return nil, fmt.Errorf("%w (vhost %q)", ErrNoCertificate, name)
	}
	if len(o.CipherSuites) > 0 {
		ids, err := tlsconf.CipherSuites(o.CipherSuites)
		if err != nil {
			return nil, fmt.Errorf("lws: vhost %q: %w", name, err)
		}
		cfg.CipherSuites = ids
	}
	if err := o.applyExtras(cfg); err != nil {
		return nil, fmt.Errorf("lws: vhost %q: %w", name, err)
	}
	if o.Configure != nil {
		if err := o.Configure(cfg); err != nil {
			return nil, fmt.Errorf("lws: vhost %q: TLS Configure: %w", name, err)
		}
	}
	return cfg, nil
}
