package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestVhostsBySNIAndHost(t *testing.T) {
	url := extest.Start(t, run)
	addr := strings.TrimPrefix(url, "https://")
	tests := []struct {
		name, sni, host string
		wantCert        string // the certificate's first DNS name
		wantVhost       string
	}{
		{"exact by SNI", "alpha.test", "alpha.test", "alpha.test", "alpha.test"},
		{"wildcard by SNI", "x.beta.test", "x.beta.test", "beta.test", "beta.test"},
		{"unknown name: default", "gamma.test", "gamma.test", "localhost", "localhost"},
		{"by Host alone (no SNI)", "", "beta.test", "localhost", "beta.test"},
		{"by IP", "", addr, "localhost", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc, err := tls.Dial("tcp", addr, &tls.Config{ServerName: tt.sni, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer tc.Close()
			tc.SetDeadline(time.Now().Add(5 * time.Second))
			if got := tc.ConnectionState().PeerCertificates[0].DNSNames[0]; got != tt.wantCert {
				t.Errorf("certificate for %s, want %s", got, tt.wantCert)
			}
			fmt.Fprintf(tc, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", tt.host)
			resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if !strings.HasPrefix(string(body), "vhost "+tt.wantVhost+"\n") {
				t.Errorf("answered by %q, want vhost %s", body, tt.wantVhost)
			}
		})
	}
}
