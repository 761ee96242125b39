package lws_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
)

// serverSettings opens nc as an HTTP/2 client with prior knowledge and
// returns the settings of the server's first SETTINGS frame.
func serverSettings(t *testing.T, nc net.Conn) map[http2.SettingID]uint32 {
	t.Helper()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(nc, nc)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	f, err := fr.ReadFrame()
	if err != nil {
		t.Fatal(err)
	}
	sf, ok := f.(*http2.SettingsFrame)
	if !ok || sf.IsAck() {
		t.Fatalf("first frame %v, want SETTINGS", f)
	}
	got := map[http2.SettingID]uint32{}
	sf.ForeachSetting(func(s http2.Setting) error { got[s.ID] = s.Val; return nil })
	return got
}

func TestHTTP2Settings(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	settings := &http.HTTP2Config{
		MaxConcurrentStreams:      7,
		MaxReadFrameSize:          1 << 20,
		MaxReceiveBufferPerStream: 256 << 10,
	}
	c := lws.New(lwstest.Quiet())
	h2c, err := c.NewVhost(lws.VhostOptions{Name: "h2c", Listen: "127.0.0.1:0", HTTP: nameHandler("h2c"),
		Listener: &listen.Options{H2C: true, HTTP2: settings}})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := c.NewVhost(lws.VhostOptions{Name: "h2", Listen: "127.0.0.1:0", HTTP: nameHandler("h2"),
		Listener: &listen.Options{HTTP2: settings},
		TLS:      &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)

	check := func(t *testing.T, got map[http2.SettingID]uint32) {
		t.Helper()
		want := map[http2.SettingID]uint32{
			http2.SettingMaxConcurrentStreams: 7,
			http2.SettingMaxFrameSize:         1 << 20,
			http2.SettingInitialWindowSize:    256 << 10,
		}
		for id, v := range want {
			if got[id] != v {
				t.Errorf("%v = %d, want %d (all: %v)", id, got[id], v, got)
			}
		}
	}
	t.Run("h2c", func(t *testing.T) {
		nc, err := net.Dial("tcp", h2c.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		check(t, serverSettings(t, nc))
	})
	t.Run("h2 over TLS", func(t *testing.T) {
		tc, err := tls.Dial("tcp", h2.Addr().String(), &tls.Config{RootCAs: cert.Pool, NextProtos: []string{"h2"}})
		if err != nil {
			t.Fatal(err)
		}
		defer tc.Close()
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			t.Fatalf("ALPN %q", p)
		}
		check(t, serverSettings(t, tc))
	})
}

func TestH2CAndHTTP1OnOneListener(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x"),
		Listener: &listen.Options{H2C: true}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := c.NewVhost(lws.VhostOptions{Name: "plain", Listen: "127.0.0.1:0", HTTP: nameHandler("plain")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	h2cOnly := &http.Transport{Protocols: new(http.Protocols)}
	h2cOnly.Protocols.SetUnencryptedHTTP2(true)
	defer h2cOnly.CloseIdleConnections()
	h1 := &http.Transport{}
	defer h1.CloseIdleConnections()
	tests := []struct {
		name string
		url  string
		tr   *http.Transport
		want string // "": the request fails
	}{
		{"prior knowledge", v.URL(), h2cOnly, "x HTTP/2.0"},
		{"HTTP/1.1 next to it", v.URL(), h1, "x HTTP/1.1"},
		{"no h2c without H2C", plain.URL(), h2cOnly, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := &http.Client{Transport: tt.tr, Timeout: 5 * time.Second}
			resp, err := cl.Get(tt.url)
			if tt.want == "" {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %s", resp.Proto)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != tt.want {
				t.Fatalf("%q, want %q", b, tt.want)
			}
		})
	}
}

func TestDisableHTTP2(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x"),
		Listener: &listen.Options{DisableHTTP2: true},
		TLS:      &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(v.URL())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 1 {
		t.Fatalf("got %s with HTTP/2 disabled", resp.Proto)
	}
}
