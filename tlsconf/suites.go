package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// CipherSuites maps cipher suite names, IANA ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
// or OpenSSL ("ECDHE-RSA-AES128-GCM-SHA256"), to Go's suite IDs for
// tls.Config.CipherSuites. A name may also hold several separated by ':'
// as in an OpenSSL cipher list. TLS 1.3 suites are accepted and left out
// (Go always enables them). An unknown or insecure name is an error naming
// it.
func CipherSuites(names []string) ([]uint16, error) {
	var ids []uint16
	for _, list := range names {
		for n := range strings.SplitSeq(list, ":") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if iana, ok := opensslNames[n]; ok {
				n = iana
			}
			s, insecure := findSuite(n)
			switch {
			case s == nil:
				return nil, fmt.Errorf("unknown TLS cipher suite %q", n)
			case insecure:
				return nil, fmt.Errorf("TLS cipher suite %q is insecure", n)
			}
			if tls13Only(s) {
				continue
			}
			ids = append(ids, s.ID)
		}
	}
	return ids, nil
}

func findSuite(name string) (s *tls.CipherSuite, insecure bool) {
	for _, s := range tls.CipherSuites() {
		if s.Name == name {
			return s, false
		}
	}
	for _, s := range tls.InsecureCipherSuites() {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}

func tls13Only(s *tls.CipherSuite) bool {
	return len(s.SupportedVersions) == 1 && s.SupportedVersions[0] == tls.VersionTLS13
}

// opensslNames maps OpenSSL's names of the suites Go implements to IANA's.
var opensslNames = map[string]string{
	"ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-RSA-AES128-GCM-SHA256":   "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"ECDHE-RSA-AES256-GCM-SHA384":   "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-RSA-CHACHA20-POLY1305":   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"ECDHE-ECDSA-AES128-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"ECDHE-ECDSA-AES256-SHA":        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"ECDHE-RSA-AES128-SHA":          "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"ECDHE-RSA-AES256-SHA":          "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	"AES128-GCM-SHA256":             "TLS_RSA_WITH_AES_128_GCM_SHA256",
	"AES256-GCM-SHA384":             "TLS_RSA_WITH_AES_256_GCM_SHA384",
	"AES128-SHA":                    "TLS_RSA_WITH_AES_128_CBC_SHA",
	"AES256-SHA":                    "TLS_RSA_WITH_AES_256_CBC_SHA",
	"ECDHE-ECDSA-AES128-SHA256":     "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-RSA-AES128-SHA256":       "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
	"AES128-SHA256":                 "TLS_RSA_WITH_AES_128_CBC_SHA256",
	"ECDHE-ECDSA-RC4-SHA":           "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA",
	"ECDHE-RSA-RC4-SHA":             "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
	"RC4-SHA":                       "TLS_RSA_WITH_RC4_128_SHA",
	"DES-CBC3-SHA":                  "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
	"ECDHE-RSA-DES-CBC3-SHA":        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
	"TLS_AES_128_GCM_SHA256":        "TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384":        "TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256":  "TLS_CHACHA20_POLY1305_SHA256",
}
