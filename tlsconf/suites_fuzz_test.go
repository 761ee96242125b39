package tlsconf_test

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"github.com/golws/lws/tlsconf"
)

// FuzzCipherSuites checks that any cipher list either fails with an error
// naming a suite or yields only secure TLS 1.2 suites Go implements.
func FuzzCipherSuites(f *testing.F) {
	for _, s := range []string{
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384",
		"TLS_AES_128_GCM_SHA256", "RC4-SHA", "", ":::", "NOPE", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: AES128-SHA",
	} {
		f.Add(s)
	}
	var secure []uint16
	for _, s := range tls.CipherSuites() {
		secure = append(secure, s.ID)
	}
	f.Fuzz(func(t *testing.T, list string) {
		ids, err := tlsconf.CipherSuites([]string{list})
		if err != nil {
			if !strings.Contains(err.Error(), "cipher suite") {
				t.Fatalf("error %q does not say what is wrong", err)
			}
			return
		}
		for _, id := range ids {
			if !slices.Contains(secure, id) {
				t.Fatalf("%q gave suite %#x", list, id)
			}
			if s := tls.CipherSuiteName(id); strings.HasPrefix(s, "TLS_AES") || strings.HasPrefix(s, "TLS_CHACHA20") {
				t.Fatalf("%q gave TLS 1.3 suite %s", list, s)
			}
		}
	})
}
