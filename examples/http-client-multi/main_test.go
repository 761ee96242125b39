package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// countingListener counts the TCP connections the server accepts.
type countingListener struct {
	net.Listener
	n atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

func server(t *testing.T, h2 bool) (*httptest.Server, *countingListener) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, cl
}

func TestOneConnection(t *testing.T) {
	const n = 10
	for _, tt := range []struct {
		name  string
		h2    bool
		proto string
	}{{"h2", true, "HTTP/2.0"}, {"http/1.1 keep-alive", false, "HTTP/1.1"}} {
		t.Run(tt.name, func(t *testing.T) {
			srv, counted := server(t, tt.h2)
			var cfg *tls.Config
			if tt.h2 {
				pool := x509.NewCertPool()
				pool.AddCert(srv.Certificate())
				cfg = &tls.Config{RootCAs: pool}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, srv.URL, n, cfg, &out); err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			for i := range n {
				if line := fmt.Sprintf("request %d: %s 200, 1000 bytes\n", i, tt.proto); !strings.Contains(out.String(), line) {
					t.Fatalf("no line %q in:\n%s", line, out.String())
				}
			}
			if !strings.HasSuffix(out.String(), "10 requests over 1 TCP connections\n") {
				t.Fatalf("output:\n%s", out.String())
			}
			if got := counted.n.Load(); got != 1 {
				t.Fatalf("the server accepted %d connections", got)
			}
		})
	}
}

func TestUntrusted(t *testing.T) {
	srv, _ := server(t, true)
	var out bytes.Buffer
	if err := run(context.Background(), srv.URL, 2, nil, &out); err == nil || !strings.Contains(out.String(), "tls") {
		t.Fatalf("got %v:\n%s", err, out.String())
	}
}
