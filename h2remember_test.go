package lws_test

import (
	"crypto/tls"
	"net/http"
	"testing"

	"github.com/golws/lws/client"
	"github.com/golws/lws/internal/testcert"
)

// TestH2RemembersNoHTTP2 dials WebSockets with HTTP2 (wss, and ws as h2c)
// to a server without HTTP/2, behind a proxy counting TCP connections: the
// first falls back to the HTTP/1.1 upgrade after one HTTP/2 dial, the next
// ones go straight to HTTP/1.1, and so does a pipelined request to the
// host; another vhost, knowing nothing yet, tries HTTP/2 first again.
func TestH2RemembersNoHTTP2(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	for _, useTLS := range []bool{true, false} {
		ws, web := "ws", "http"
		if useTLS {
			ws, web = "wss", "https"
		}
		t.Run(ws, func(t *testing.T) {
			proxy := h2PipelineServer(t, useTLS, true, cert, pipelineHandler(nil))
			tlsConf := &tls.Config{RootCAs: cert.Pool}
			cs := newClientSide(t)
			accepted := func(step string, want int64) {
				t.Helper()
				if n := proxy.accepted.Load(); n != want {
					t.Fatalf("%s: %d TCP connections in all, want %d", step, n, want)
				}
			}
			dialWS := func(cs *clientSide, pipeline bool) {
				t.Helper()
				h, err := client.Connect(cs.vh, client.Options{URL: ws + "://" + proxy.addr() + "/", HTTP2: true, Pipeline: pipeline,
					Subprotocols: []string{"echo"}, TLSConfig: tlsConf})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := wait(t, h); err != nil {
					t.Fatal(err)
				}
				if r := h.Response(); r.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("handshake %d, want the HTTP/1.1 upgrade's 101", r.StatusCode)
				}
				cs.expect(t, "response")
				cs.expect(t, "established")
			}
			dialWS(cs, false)
			accepted("first WebSocket", 2) // the HTTP/2 try, then HTTP/1.1
			dialWS(cs, false)
			dialWS(cs, true)
			accepted("two more WebSockets", 4)

			h, err := client.Connect(cs.vh, client.Options{URL: web + "://" + proxy.addr() + "/bytes?n=10", HTTP2: true, Pipeline: true,
				TLSConfig: tlsConf})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wait(t, h); err != nil {
				t.Fatal(err)
			}
			if r := h.Response(); r.ProtoMajor != 1 || r.StatusCode != http.StatusOK {
				t.Fatalf("%s %d, want HTTP/1.1 200", r.Proto, r.StatusCode)
			}
			cs.expect(t, "response")
			cs.expect(t, "established")
			if got := cs.body(t); len(got) != 10 {
				t.Fatalf("body of %d bytes, want 10", len(got))
			}
			accepted("a pipelined request", 5)

			other := newClientSide(t)
			dialWS(other, false)
			accepted("another vhost's WebSocket", 7)
		})
	}
}
