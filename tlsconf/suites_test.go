package tlsconf_test

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/golws/lws/tlsconf"
)

func TestCipherSuites(t *testing.T) {
	tests := []struct {
		names   []string
		want    []uint16
		wantErr string
	}{
		{[]string{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ""},
		{[]string{"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"},
			[]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}, ""},
		{[]string{"TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ""},
		{[]string{" : "}, nil, ""},
		{[]string{"ECDHE-RSA-AES128-GCM-SHA256", "NOPE-CIPHER"}, nil, `unknown TLS cipher suite "NOPE-CIPHER"`},
		{[]string{"RC4-SHA"}, nil, `"TLS_RSA_WITH_RC4_128_SHA" is insecure`},
	}
	for _, tt := range tests {
		got, err := tlsconf.CipherSuites(tt.names)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want %q", tt.names, err, tt.wantErr)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.names, got, err, tt.want)
		}
	}
}
