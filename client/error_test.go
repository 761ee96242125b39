package client_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/golws/lws/client"
)

func TestConnectErrorTLSMessage(t *testing.T) {
	tests := []struct {
		name string
		url  string
		err  error
		want string
	}{
		{"not TLS, https", "https://h:1/", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"},
			"client: connect https://h:1/: tls: first record does not look like a TLS handshake; the server does not speak TLS: use http://"},
		{"not TLS, wss", "wss://h:1/", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"},
			"client: connect wss://h:1/: tls: first record does not look like a TLS handshake; the server does not speak TLS: use ws://"},
		{"untrusted", "wss://h:1/", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}},
			"client: connect wss://h:1/: tls: failed to verify certificate: x509: certificate signed by unknown authority; the server's certificate is not trusted: add its CA to TLSConfig.RootCAs (or, for testing only, set InsecureSkipVerify)"},
		{"alert", "wss://h:1/", errors.New("remote error: tls: handshake failure"),
			"client: connect wss://h:1/: tls: remote error: tls: handshake failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &client.ConnectError{URL: tt.url, Failure: client.ConnectTLS, Err: tt.err}
			if got := e.Error(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
