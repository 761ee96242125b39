package main

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestH2CAndH2OverTLS(t *testing.T) {
	urls := extest.StartN(t, run, 2)
	h2cURL, h2URL := urls[0], urls[1]
	if !strings.HasPrefix(h2cURL, "http://") || !strings.HasPrefix(h2URL, "https://") {
		t.Fatalf("URLs %v", urls)
	}
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	h2 := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	h1 := &http.Transport{}
	for _, tr := range []*http.Transport{h2c, h2, h1} {
		defer tr.CloseIdleConnections()
	}
	tests := []struct {
		name, url string
		tr        *http.Transport
		want      string
		size      int
	}{
		{"h2c", h2cURL + "/", h2c, "hello over HTTP/2.0\n", 0},
		{"h2c big", h2cURL + "/big", h2c, "", 1 << 20},
		{"h2 over TLS", h2URL + "/", h2, "hello over HTTP/2.0\n", 0},
		{"h2 over TLS big", h2URL + "/big", h2, "", 1 << 20},
		{"HTTP/1.1 on the h2c port", h2cURL + "/", h1, "hello over HTTP/1.1\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := (&http.Client{Transport: tt.tr, Timeout: 10 * time.Second}).Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && string(body) != tt.want {
				t.Fatalf("%q, want %q", body, tt.want)
			}
			if tt.size != 0 && len(body) != tt.size {
				t.Fatalf("%d bytes, want %d", len(body), tt.size)
			}
		})
	}
}
