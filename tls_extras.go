package lws

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/golws/lws/tlsconf"
)

// applyExtras puts the options lws users know from its vhost TLS settings
// into cfg: an OpenSSL cipher list, client certificate verification and
// the ECDH curves.
func (o *TLSOptions) applyExtras(cfg *tls.Config) error {
	if o.CipherList != "" {
		ids, _, err := tlsconf.CipherList(o.CipherList)
		if err != nil {
			return err
		}
		cfg.CipherSuites = ids
	}
	if o.ClientCAFile != "" {
		pemBytes, err := os.ReadFile(o.ClientCAFile)
		if err != nil {
			return fmt.Errorf("TLS ClientCAFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return fmt.Errorf("TLS ClientCAFile %q holds no PEM certificate", o.ClientCAFile)
		}
		cfg.ClientCAs = pool
	}
	if o.ClientCertRequired {
		if cfg.ClientCAs == nil {
			return errors.New("TLS ClientCertRequired needs the CAs that sign client certificates (ClientCAFile)")
		}
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if len(o.Curves) > 0 {
		ids, err := tlsconf.Curves(o.Curves)
		if err != nil {
			return err
		}
		cfg.CurvePreferences = ids
	}
	return nil
}
