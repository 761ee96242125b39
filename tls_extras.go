package lws

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
)

// applyExtras puts the options lws users know from its vhost TLS settings
// into cfg: an OpenSSL cipher list, client certificate verification and
// the ECDH curves.
func (o *TLSOptions) applyExtras(cfg *tls.Config) error {
	if o.CipherList != "" {
		ids, _, err := CipherList(o.CipherList)
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
		ids, err := CurveIDs(o.Curves)
		if err != nil {
			return err
		}
		cfg.CurvePreferences = ids
	}
	return nil
}

// curveNames maps OpenSSL's and Go's names of the curves Go implements.
var curveNames = map[string]tls.CurveID{
	"prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256, "p-256": tls.CurveP256, "p256": tls.CurveP256,
	"secp384r1": tls.CurveP384, "p-384": tls.CurveP384, "p384": tls.CurveP384,
	"secp521r1": tls.CurveP521, "p-521": tls.CurveP521, "p521": tls.CurveP521,
	"x25519": tls.X25519, "x25519mlkem768": tls.X25519MLKEM768,
}

// CurveIDs maps curve names as OpenSSL writes them ("prime256v1",
// "secp384r1", "secp521r1", "X25519"; lws's ecdh_curve) or Go does
// ("P-256"), case-insensitively, to Go's CurveIDs. A name may hold several
// separated by ':' (an OpenSSL groups list). An unknown name is an error.
func CurveIDs(names []string) ([]tls.CurveID, error) {
	var ids []tls.CurveID
	for _, list := range names {
		for n := range strings.SplitSeq(list, ":") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			id, ok := curveNames[strings.ToLower(n)]
			if !ok {
				return nil, fmt.Errorf("unknown ECDH curve %q (Go has prime256v1, secp384r1, secp521r1 and X25519)", n)
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}
