package lws_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/echo"
)

// nameHandler answers every request with the vhost's name and the protocol.
func nameHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", name, r.Proto)
	})
}

// events collects TLS events.
type events struct {
	mu  sync.Mutex
	evs []lws.TLSEvent
	ch  chan lws.TLSEvent
}

func newEvents() *events { return &events{ch: make(chan lws.TLSEvent, 64)} }

func (e *events) add(ev lws.TLSEvent) { e.ch <- ev }

// next waits for the next event.
func (e *events) next(t *testing.T) lws.TLSEvent {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no TLS event within 5 s")
	}
	return lws.TLSEvent{}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// get makes one HTTP/1.1 request over a TLS connection with the given SNI
// and Host, returning the leaf certificate, the body and the state.
func get(t *testing.T, addr, sni, host string, cfg *tls.Config) (*x509.Certificate, string, tls.ConnectionState, error) {
	t.Helper()
	if cfg == nil {
		cfg = &tls.Config{InsecureSkipVerify: true}
	}
	cfg = cfg.Clone()
	cfg.ServerName = sni
	d := &tls.Dialer{Config: cfg, NetDialer: &net.Dialer{Timeout: 5 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, "", tls.ConnectionState{}, err
	}
	defer nc.Close()
	tc := nc.(*tls.Conn)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	st := tc.ConnectionState()
	fmt.Fprintf(tc, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host)
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return nil, "", st, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return st.PeerCertificates[0], string(b), st, err
}

func TestTLSVhostBySNI(t *testing.T) {
	def := testcert.New(t, testcert.ECDSA, "default.test")
	abc := testcert.New(t, testcert.RSA, "abc.test", "*.abc.test")
	cats := testcert.New(t, testcert.ECDSA, "cats.abc.test", "*.cats.abc.test")
	mem := testcert.New(t, testcert.RSA, "mem.test")
	ev := newEvents()
	c := lws.New(lwstest.Quiet())
	var hellos sync.Map
	vhosts := []lws.VhostOptions{
		{Name: "default", TLS: &lws.TLSOptions{CertFile: def.CertFile, KeyFile: def.KeyFile, OnHandshake: ev.add}},
		{Name: "abc.test", TLS: &lws.TLSOptions{CertFile: abc.CertFile, KeyFile: abc.KeyFile, OnHandshake: ev.add}},
		{Name: "cats.abc.test", TLS: &lws.TLSOptions{OnHandshake: ev.add,
			GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
				hellos.Store(h.ServerName, true)
				return &cats.TLS, nil
			}}},
		{Name: "mem.test", TLS: &lws.TLSOptions{Certificates: []tls.Certificate{mem.TLS}, OnHandshake: ev.add}},
		{Name: "plain.test"}, // no TLS of its own: the default vhost's certificate and hook
	}
	addr := ""
	for _, o := range vhosts {
		o.Listen = "127.0.0.1:0"
		if addr != "" {
			o.Listen = addr
		}
		o.HTTP = nameHandler(o.Name)
		v, err := c.NewVhost(o)
		if err != nil {
			t.Fatal(err)
		}
		if addr == "" {
			addr = v.Addr().String()
			if !strings.HasPrefix(v.URL(), "https://") {
				t.Fatalf("URL of a TLS vhost is %q", v.URL())
			}
		}
	}
	lwstest.Run(t, c)

	tests := []struct {
		sni, host       string
		wantCN, wantVh  string
		wantAlg         x509.PublicKeyAlgorithm
		wantEventVhost  string
		wantHelloForGet bool
	}{
		{"abc.test", "abc.test", "abc.test", "abc.test", x509.RSA, "abc.test", false},
		{"ABC.test", "abc.test", "abc.test", "abc.test", x509.RSA, "abc.test", false},
		{"dogs.abc.test", "dogs.abc.test", "abc.test", "abc.test", x509.RSA, "abc.test", false},
		{"cats.abc.test", "cats.abc.test", "cats.abc.test", "cats.abc.test", x509.ECDSA, "cats.abc.test", true},
		{"big.cats.abc.test", "big.cats.abc.test", "cats.abc.test", "cats.abc.test", x509.ECDSA, "cats.abc.test", true},
		{"mem.test", "mem.test", "mem.test", "mem.test", x509.RSA, "mem.test", false},
		{"unknown.test", "unknown.test", "default.test", "default", x509.ECDSA, "default", false},
		{"", "127.0.0.1", "default.test", "default", x509.ECDSA, "default", false},
		{"plain.test", "plain.test", "default.test", "plain.test", x509.ECDSA, "default", false},
		// SNI picks the certificate, Host the vhost that answers.
		{"", "abc.test", "default.test", "abc.test", x509.ECDSA, "default", false},
	}
	for _, tt := range tests {
		t.Run(tt.sni+"|"+tt.host, func(t *testing.T) {
			leaf, body, st, err := get(t, addr, tt.sni, tt.host, nil)
			if err != nil {
				t.Fatal(err)
			}
			if leaf.Subject.CommonName != tt.wantCN || leaf.PublicKeyAlgorithm != tt.wantAlg {
				t.Errorf("certificate %q (%v), want %q (%v)", leaf.Subject.CommonName, leaf.PublicKeyAlgorithm, tt.wantCN, tt.wantAlg)
			}
			if want := tt.wantVh + " HTTP/1.1"; body != want {
				t.Errorf("body %q, want %q", body, want)
			}
			if st.NegotiatedProtocol != "" {
				t.Errorf("ALPN %q for a client that offered none", st.NegotiatedProtocol)
			}
			e := ev.next(t)
			if e.Err != nil || e.Vhost != tt.wantEventVhost || e.State.ServerName != strings.ToLower(tt.sni) && e.State.ServerName != tt.sni {
				t.Errorf("event %+v", e)
			}
			if e.State.Version != st.Version || e.State.CipherSuite != st.CipherSuite {
				t.Errorf("event says %s %s, client negotiated %s %s", tls.VersionName(e.State.Version),
					tls.CipherSuiteName(e.State.CipherSuite), tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
			}
		})
	}
	if _, ok := hellos.Load("big.cats.abc.test"); !ok {
		t.Error("GetCertificate was not asked for big.cats.abc.test")
	}
}

func TestTLSVerifiedBySNIName(t *testing.T) {
	a := testcert.New(t, testcert.ECDSA, "a.test")
	b := testcert.New(t, testcert.ECDSA, "b.test")
	c := lws.New(lwstest.Quiet())
	va, err := c.NewVhost(lws.VhostOptions{Name: "a.test", Listen: "127.0.0.1:0", HTTP: nameHandler("a"),
		TLS: &lws.TLSOptions{CertFile: a.CertFile, KeyFile: a.KeyFile}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewVhost(lws.VhostOptions{Name: "b.test", Listen: va.Addr().String(), HTTP: nameHandler("b"),
		TLS: &lws.TLSOptions{CertFile: b.CertFile, KeyFile: b.KeyFile}}); err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	pool := x509.NewCertPool()
	pool.AddCert(a.Leaf)
	pool.AddCert(b.Leaf)
	for _, name := range []string{"a.test", "b.test"} {
		_, body, _, err := get(t, va.Addr().String(), name, name, &tls.Config{RootCAs: pool})
		if err != nil || body != name[:1]+" HTTP/1.1" {
			t.Errorf("%s: %q, %v", name, body, err)
		}
	}
}

func TestTLSHandshakeFailureIsReported(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "x.test")
	ev := newEvents()
	var logs syncBuffer
	c := lws.New(&lws.Options{Logger: logging.NewLogger(&logs, logging.LevelInfo)})
	v, err := c.NewVhost(lws.VhostOptions{Name: "x.test", Listen: "127.0.0.1:0", HTTP: nameHandler("x"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS13, OnHandshake: ev.add}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	addr := v.Addr().String()

	t.Run("version too old", func(t *testing.T) {
		cfg := &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12}
		_, _, _, err := get(t, addr, "x.test", "x.test", cfg)
		if err == nil {
			t.Fatal("a TLS 1.2 client got through MinVersion TLS 1.3")
		}
		e := ev.next(t)
		if e.Err == nil || e.Vhost != "x.test" || e.State.ServerName != "x.test" || e.Peer == nil {
			t.Fatalf("event %+v", e)
		}
	})
	t.Run("plain HTTP on the TLS port", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		local := nc.LocalAddr().String()
		fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		e := ev.next(t)
		if e.Err == nil || e.Peer.String() != local {
			t.Fatalf("event %+v, want a failure from %s", e, local)
		}
	})
	t.Run("done", func(t *testing.T) {
		_, body, st, err := get(t, addr, "x.test", "x.test", &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
		if err != nil || body != "x HTTP/1.1" {
			t.Fatalf("%q, %v", body, err)
		}
		e := ev.next(t)
		if e.Err != nil || e.State.Version != tls.VersionTLS13 || e.State.NegotiatedProtocol != "http/1.1" || st.NegotiatedProtocol != "http/1.1" {
			t.Fatalf("event %+v", e)
		}
	})
	out := logs.String()
	for _, want := range []string{"tls handshake failed", "tls handshake done", "alpn=http/1.1", "version=\"TLS 1.3\""} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestTLSCipherSuiteRestriction(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "x.test")
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}, MaxVersion: tls.VersionTLS12,
			CipherSuites: []string{"ECDHE-ECDSA-AES128-GCM-SHA256"}}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	tests := []struct {
		offer []uint16
		want  uint16 // 0: refused
	}{
		{nil, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{[]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{[]uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, 0},
		{[]uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, 0},
	}
	for _, tt := range tests {
		_, _, st, err := get(t, v.Addr().String(), "x.test", "x.test", &tls.Config{InsecureSkipVerify: true, CipherSuites: tt.offer})
		if tt.want == 0 {
			if err == nil {
				t.Errorf("offer %v: accepted %s", tt.offer, tls.CipherSuiteName(st.CipherSuite))
			}
			continue
		}
		if err != nil || st.CipherSuite != tt.want || st.Version != tls.VersionTLS12 {
			t.Errorf("offer %v: %s %s, %v", tt.offer, tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), err)
		}
	}
}

func TestTLSConfigErrors(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "x.test")
	good := &lws.TLSOptions{CertFile: cert.CertFile, KeyFile: cert.KeyFile}
	c := lws.New(lwstest.Quiet())
	plain, err := c.NewVhost(lws.VhostOptions{Name: "plain", Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	secure, err := c.NewVhost(lws.VhostOptions{Name: "secure", Listen: "127.0.0.1:0", TLS: good})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    lws.VhostOptions
		want string
		is   error
	}{
		{"no certificate", lws.VhostOptions{Listen: "127.0.0.1:0", TLS: &lws.TLSOptions{}}, "", lws.ErrNoCertificate},
		{"missing file", lws.VhostOptions{Listen: "127.0.0.1:0", TLS: &lws.TLSOptions{CertFile: "/nonexistent/c.pem", KeyFile: cert.KeyFile}}, "/nonexistent/c.pem", nil},
		{"key of another cert", lws.VhostOptions{Listen: "127.0.0.1:0", TLS: &lws.TLSOptions{CertFile: cert.CertFile, KeyFile: testcert.New(t, testcert.RSA, "y").KeyFile}}, "KeyFile", nil},
		{"unknown suite", lws.VhostOptions{Listen: "127.0.0.1:0", TLS: &lws.TLSOptions{CertFile: cert.CertFile, KeyFile: cert.KeyFile, CipherSuites: []string{"FAST-AND-LOOSE"}}}, `"FAST-AND-LOOSE"`, nil},
		{"configure fails", lws.VhostOptions{Listen: "127.0.0.1:0", TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS},
			Configure: func(*tls.Config) error { return errors.New("no CA bundle") }}}, "no CA bundle", nil},
		{"TLS on a plain listener", lws.VhostOptions{Name: "late", Listen: plain.Addr().String(), TLS: good}, "opened without TLS", nil},
		{"other listener options", lws.VhostOptions{Name: "late", Listen: secure.Addr().String(), Listener: &listen.Options{H2C: true}}, "Listener options differ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.NewVhost(tt.o)
			if err == nil {
				t.Fatal("accepted")
			}
			if tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q / %v", err, tt.want, tt.is)
			}
		})
	}
	lwstest.Run(t, c)
}

func TestWebSocketAndH2OnOneTLSListener(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol}, HTTP: nameHandler("x"),
		TLS: &lws.TLSOptions{CertFile: cert.CertFile, KeyFile: cert.KeyFile}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	h2 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}, ForceAttemptHTTP2: true}
	defer h2.CloseIdleConnections()
	resp, err := (&http.Client{Transport: h2}).Get(v.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || string(body) != "x HTTP/2.0" {
		t.Fatalf("h2 request: %s %q", resp.Proto, body)
	}

	// A WebSocket client offers only http/1.1 through ALPN.
	h1 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}
	defer h1.CloseIdleConnections()
	ws, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(v.URL(), "https"), &websocket.DialOptions{HTTPClient: &http.Client{Transport: h1}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for _, msg := range []string{"hello", strings.Repeat("z", 70_000)} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		ws.SetReadLimit(-1)
		_, got, err := ws.Read(ctx)
		if err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
	}
	ws.Close(websocket.StatusNormalClosure, "")
}
