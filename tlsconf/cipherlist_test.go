package tlsconf

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"
)

func suiteNames(ids []uint16) []string {
	var names []string
	for _, id := range ids {
		names = append(names, tls.CipherSuiteName(id))
	}
	return names
}

func TestCipherList(t *testing.T) {
	all := len(cipherTable)
	secure := 0
	for _, s := range cipherTable {
		if s.secure {
			secure++
		}
	}
	tests := []struct {
		name, list  string
		count       int      // -1: do not check
		has, hasNot []string // IANA names
		ignored     []string
	}{
		{"ALL", "ALL", all, []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, []string{"TLS_RSA_WITH_RC4_128_SHA"}, nil},
		{"DEFAULT", "DEFAULT", secure, []string{"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"}, []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, nil},
		{"HIGH without aNULL and MD5", "HIGH:!aNULL:!MD5", all - 2, []string{"TLS_RSA_WITH_AES_256_GCM_SHA384"}, []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"}, nil},
		{"seed example", "RC4-MD5:RC4-SHA:AES128-SHA:AES256-SHA:HIGH:!DSS:!aNULL", all - 2,
			[]string{"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"}, []string{"TLS_RSA_WITH_RC4_128_SHA"}, []string{"RC4-MD5"}},
		{"lws default list", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-SHA384:" +
			"HIGH:!aNULL:!eNULL:!EXPORT:!DES:!MD5:!PSK:!RC4:!HMAC_SHA1:!SHA1:!DHE-RSA-AES128-GCM-SHA256:!DHE-RSA-AES128-SHA256:" +
			"!AES128-GCM-SHA256:!AES128-SHA256:!DHE-RSA-AES256-SHA256:!AES256-GCM-SHA384:!AES256-SHA256", -1,
			[]string{"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
			[]string{"TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256"},
			[]string{"DHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-SHA384", "HMAC_SHA1", "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES128-SHA256", "DHE-RSA-AES256-SHA256", "AES256-SHA256"}},
		{"intersection", "ECDHE+AESGCM", 4, []string{"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}, []string{"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"}, nil},
		{"minus can be added back", "ALL:-3DES:ECDHE-RSA-DES-CBC3-SHA", all - 1, []string{"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"}, []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, nil},
		{"bang is for good", "ALL:!3DES:ECDHE-RSA-DES-CBC3-SHA", all - 2, nil, []string{"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"}, nil},
		{"IANA name, commas, spaces and directives", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, @STRENGTH +AES", 1, []string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, nil, nil},
		{"TLS 1.2 only suites", "TLSv1.2:!kRSA", -1, []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"}, []string{"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, ignored, err := CipherList(tt.list)
			if err != nil {
				t.Fatal(err)
			}
			got := suiteNames(ids)
			if tt.count >= 0 && len(ids) != tt.count {
				t.Errorf("%d suites, want %d: %v", len(ids), tt.count, got)
			}
			for _, n := range tt.has {
				if !slices.Contains(got, n) {
					t.Errorf("%s missing from %v", n, got)
				}
			}
			for _, n := range tt.hasNot {
				if slices.Contains(got, n) {
					t.Errorf("%s in %v", n, got)
				}
			}
			if !slices.Equal(ignored, tt.ignored) {
				t.Errorf("ignored %q, want %q", ignored, tt.ignored)
			}
		})
	}
}

func TestCipherListAllowingNothing(t *testing.T) {
	for _, list := range []string{"", "aNULL", "RC4-MD5", "HIGH:!ALL", "TLS_AES_128_GCM_SHA256", "DHE-RSA-AES256-GCM-SHA384:CAMELLIA", "HIHG"} {
		_, _, err := CipherList(list)
		if err == nil || !strings.Contains(err.Error(), "allows no TLS 1.2 cipher suite") {
			t.Errorf("CipherList(%q): %v", list, err)
		}
	}
}

func TestCurves(t *testing.T) {
	ids, err := Curves([]string{"prime256v1", "secp384r1:X25519"})
	if err != nil || !slices.Equal(ids, []tls.CurveID{tls.CurveP256, tls.CurveP384, tls.X25519}) {
		t.Fatalf("%v %v", ids, err)
	}
	if _, err := Curves([]string{"brainpoolP256r1"}); err == nil {
		t.Fatal("unknown curve accepted")
	}
}

// FuzzCipherList checks that no list makes the parser panic, and that
// every suite it allows is one of the table's.
func FuzzCipherList(f *testing.F) {
	for _, s := range []string{"ALL", "DEFAULT", "HIGH:!aNULL:!MD5", "RC4-MD5:RC4-SHA:AES128-SHA:AES256-SHA:HIGH:!DSS:!aNULL", "ECDHE+AESGCM:-SHA:+AES", "!:-:+::@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		ids, _, err := CipherList(list)
		if (err == nil) == (len(ids) == 0) {
			t.Fatalf("%q: %d suites and error %v", list, len(ids), err)
		}
		for _, id := range ids {
			if !slices.ContainsFunc(cipherTable, func(s cipherSuite) bool { return s.id == id }) {
				t.Fatalf("%q: suite %x is not in the table", list, id)
			}
		}
	})
}
