package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// curveNames maps OpenSSL's and Go's names of the curves Go implements.
var curveNames = map[string]tls.CurveID{
	"prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256, "p-256": tls.CurveP256, "p256": tls.CurveP256,
	"secp384r1": tls.CurveP384, "p-384": tls.CurveP384, "p384": tls.CurveP384,
	"secp521r1": tls.CurveP521, "p-521": tls.CurveP521, "p521": tls.CurveP521,
	"x25519": tls.X25519, "x25519mlkem768": tls.X25519MLKEM768,
}

// Curves maps curve names as OpenSSL writes them ("prime256v1",
// "secp384r1", "secp521r1", "X25519"; lws's ecdh_curve) or Go does
// ("P-256"), case-insensitively, to Go's CurveIDs. A name may hold several
// separated by ':' (an OpenSSL groups list). An unknown name is an error.
func Curves(names []string) ([]tls.CurveID, error) {
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
