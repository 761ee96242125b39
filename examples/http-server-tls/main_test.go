package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPageAndWSS(t *testing.T) {
	url := extest.Start(t, run)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("URL %q", url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// The certificate is self-signed, made at start: trust it, but check it.
	h2 := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
	defer h2.CloseIdleConnections()
	resp, err := (&http.Client{Transport: h2}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	leaf := resp.TLS.PeerCertificates[0]
	if leaf.PublicKeyAlgorithm != x509.ECDSA || leaf.VerifyHostname("127.0.0.1") != nil {
		t.Errorf("certificate: %v for %v", leaf.PublicKeyAlgorithm, leaf.IPAddresses)
	}
	if resp.ProtoMajor != 2 || !strings.Contains(string(body), "This page came over HTTP/2.0") {
		t.Errorf("%s: %s", resp.Proto, body)
	}

	h1 := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	defer h1.CloseIdleConnections()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(url, "https"), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: h1}, Subprotocols: []string{"lws-echo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte("hello over wss")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := ws.Read(ctx); err != nil || string(got) != "hello over wss" {
		t.Fatalf("echo %q, %v", got, err)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}
