package lws_test

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
)

// TestNonTLSWithinLimits: plain HTTP on a TLS port (NonTLSRedirect) counts
// against MaxConns like every other connection of the listener: with one
// plain connection open, a second is closed at once, and the first is
// still redirected.
func TestNonTLSWithinLimits(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, MaxConns: 1})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", NonTLS: lws.NonTLSRedirect,
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	first, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(first, "GET /a HTTP/1.1\r\nHost: example.test\r\n\r\n")
	status, err := bufio.NewReader(first).ReadString('\n')
	if err != nil || !strings.Contains(status, "301") {
		t.Fatalf("first plain connection: %q, %v; want a 301", status, err)
	}

	second, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(second, "GET /b HTTP/1.1\r\nHost: example.test\r\n\r\n")
	if n, err := second.Read(make([]byte, 64)); !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("second plain connection read %d bytes, %v; want it closed (MaxConns 1)", n, err)
	}
}

// TestListenerOwnedOptionsOnJoiningVhost: NonTLS and UnixSocketOwner belong
// to the vhost that opens a listener; a vhost joining it with its own is
// refused instead of being silently ignored.
func TestListenerOwnedOptionsOnJoiningVhost(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "a.test", "b.test")
	tests := []struct {
		name string
		o    lws.VhostOptions
	}{
		{"NonTLS", lws.VhostOptions{NonTLS: lws.NonTLSServe}},
		{"UnixSocketOwner", lws.VhostOptions{UnixSocketOwner: "nobody:nogroup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lws.New(lwstest.Quiet())
			defer c.Close()
			a, err := c.NewVhost(lws.VhostOptions{Name: "a.test", Listen: "127.0.0.1:0",
				TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}})
			if err != nil {
				t.Fatal(err)
			}
			tt.o.Name, tt.o.Listen = "b.test", a.Addr().String()
			tt.o.TLS = &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}
			if _, err := c.NewVhost(tt.o); err == nil || !strings.Contains(err.Error(), "belong to the vhost that opens") {
				t.Fatalf("joining with %s: %v, want a refusal", tt.name, err)
			}
		})
	}
}
