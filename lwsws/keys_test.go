package lwsws_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/lwsws"
	_ "github.com/golws/lws/plugins/dumbinc"
	_ "github.com/golws/lws/plugins/rawtest"
)

// keysSite writes dir/www/index.html ("keys home") for the vhosts of
// these tests to serve with origin file://../www.
func keysSite(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "www"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("keys home"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newConf writes conf as dir/conf.d/site, loads it and builds its Server,
// logging to logOut (nil: nowhere); it does not run it.
func newConf(t *testing.T, dir, conf string, logOut *os.File) (*lws.Server, error) {
	t.Helper()
	confd := filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	if err := os.WriteFile(filepath.Join(confd, "site"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := lwsws.Load("", confd)
	if err != nil {
		t.Fatal(err)
	}
	if logOut == nil {
		logOut = nullFile(t)
	}
	return lwsws.New(cfg, &lwsws.Options{LogOutput: logOut})
}

// rawSay dials addr, sends msg and returns the first len(msg) bytes the
// server sends back (or fewer, with the error, if it closes first).
func rawSay(t *testing.T, addr, msg string) (string, error) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, msg); err != nil {
		return "", err
	}
	buf := make([]byte, len(msg))
	n, err := io.ReadFull(nc, buf)
	return string(buf[:n]), err
}

// TestListenAcceptKeys: with lws's meaning, the raw-skt listen-accept-role
// and its listen-accept-protocol (here lws's raw-test echo) take every
// connection with apply-listen-accept (or its old name onlyraw): an HTTP
// request is echoed like any bytes. With fallback-listen-accept only
// connections whose first bytes are not HTTP go raw, HTTP is still
// served. With neither flag the role is unused: non-HTTP bytes get
// HTTP's 400.
func TestListenAcceptKeys(t *testing.T) {
	const request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
	for _, tt := range []struct {
		name, flag string
		rawEchoed  bool // non-HTTP bytes come back
		httpServed bool // else an HTTP request comes back as bytes
	}{
		{"apply-listen-accept", `"apply-listen-accept": "1",`, true, false},
		{"onlyraw", `"onlyraw": "1",`, true, false},
		{"fallback-listen-accept", `"fallback-listen-accept": "1",`, true, true},
		{"role alone", ``, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keysSite(t, dir)
			port := lwstest.FreeTCPPort(t)
			serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1",
  "listen-accept-role": "raw-skt", "listen-accept-protocol": "protocol-lws-raw-test", %s
  "mounts": [{ "mountpoint": "/", "origin": "file://../www", "default": "index.html" }],
  "ws-protocols": [{ "protocol-lws-raw-test": {} }] }] }`, port, tt.flag))
			addr := fmt.Sprintf("127.0.0.1:%d", port)

			const hello = "hello, raw socket\n"
			got, err := rawSay(t, addr, hello)
			switch {
			case tt.rawEchoed && got != hello:
				t.Fatalf("non-HTTP bytes: got %q (%v), want them echoed", got, err)
			case !tt.rawEchoed && !strings.HasPrefix(got, "HTTP/1.1 400"):
				t.Fatalf("non-HTTP bytes: got %q (%v), want HTTP's 400", got, err)
			}

			if !tt.httpServed {
				if got, err := rawSay(t, addr, request); got != request {
					t.Fatalf("an HTTP request: got %q (%v), want it echoed", got, err)
				}
				return
			}
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			if resp, body := get(t, client, "http://"+addr+"/"); resp.StatusCode != 200 || body != "keys home" {
				t.Fatalf("GET /: %s %q", resp.Status, body)
			}
		})
	}
}

// TestALPNKeys: a TLS vhost offers h2 and http/1.1 by ALPN; its "alpn"
// list, else the global "default-alpn", replaces that list: without h2 a
// client offering h2 and http/1.1 gets http/1.1, and HTTP/1.1 serves it.
func TestALPNKeys(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "localhost", "127.0.0.1")
	for _, tt := range []struct {
		name, global, vhost string
		want                string // the negotiated protocol
	}{
		{"default", ``, ``, "h2"},
		{"vhost alpn http/1.1", ``, `"alpn": "http/1.1",`, "http/1.1"},
		{"default-alpn http/1.1", `"default-alpn": "http/1.1",`, ``, "http/1.1"},
		{"vhost alpn wins over default-alpn", `"default-alpn": "http/1.1",`, `"alpn": "h2,http/1.1",`, "h2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keysSite(t, dir)
			port := lwstest.FreeTCPPort(t)
			serveConf(t, dir, fmt.Sprintf(`{ "global": { %s "init-ssl": "1", "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", %s
  "host-ssl-cert": %q, "host-ssl-key": %q,
  "mounts": [{ "mountpoint": "/", "origin": "file://../www", "default": "index.html" }] }] }`,
				tt.global, port, tt.vhost, cert.CertFile, cert.KeyFile))
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			tc := &tls.Config{RootCAs: cert.Pool, NextProtos: []string{"h2", "http/1.1"}}
			d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: tc}
			nc, err := d.DialContext(context.Background(), "tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			got := nc.(*tls.Conn).ConnectionState().NegotiatedProtocol
			nc.Close()
			if got != tt.want {
				t.Fatalf("ALPN %q, want %q", got, tt.want)
			}
			client := &http.Client{Timeout: 5 * time.Second,
				Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true}}
			defer client.CloseIdleConnections()
			resp, body := get(t, client, "https://"+addr+"/")
			wantProto := map[string]string{"h2": "HTTP/2.0", "http/1.1": "HTTP/1.1"}[tt.want]
			if body != "keys home" || resp.Proto != wantProto {
				t.Fatalf("GET: %s %q, want %s", resp.Proto, body, wantProto)
			}
		})
	}
}

// dialWS opens a WebSocket to port with the given Host header and
// subprotocols; it returns the handshake's status (101 when accepted) and
// the connection, closed when the test ends.
func dialWS(t *testing.T, port int, host string, protocols ...string) (int, *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, fmt.Sprintf("ws://127.0.0.1:%d/", port),
		&websocket.DialOptions{Host: host, Subprotocols: protocols})
	if resp == nil {
		t.Fatalf("no handshake response: %v", err)
	}
	if err != nil {
		return resp.StatusCode, nil
	}
	t.Cleanup(func() { c.CloseNow() })
	return resp.StatusCode, c
}

// TestStrictHostCheck: as lws's LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK
// (lws_confirm_host_header), a WebSocket upgrade must name the vhost and
// its port in Host (80 when Host gives no port); plain HTTP requests are
// not checked, and without the key any Host upgrades. lws hangs up on a
// refused upgrade; golws answers 403 Forbidden.
func TestStrictHostCheck(t *testing.T) {
	dir := t.TempDir()
	keysSite(t, dir)
	strict, lax := lwstest.FreeTCPPort(t), lwstest.FreeTCPPort(t)
	serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", "strict-host-check": "1",
  "mounts": [{ "mountpoint": "/", "origin": "file://../www", "default": "index.html" }],
  "ws-protocols": [{ "lws-echo": {} }]
}, {
  "name": "localhost", "port": "%d", "interface": "127.0.0.1",
  "ws-protocols": [{ "lws-echo": {} }] }] }`, strict, lax))
	for _, tt := range []struct {
		name string
		port int
		host string
		want int
	}{
		{"name and port", strict, fmt.Sprintf("localhost:%d", strict), http.StatusSwitchingProtocols},
		{"name in capitals", strict, fmt.Sprintf("LOCALHOST:%d", strict), http.StatusSwitchingProtocols},
		{"an address", strict, fmt.Sprintf("127.0.0.1:%d", strict), http.StatusForbidden},
		{"another name", strict, fmt.Sprintf("example.com:%d", strict), http.StatusForbidden},
		{"another port", strict, fmt.Sprintf("localhost:%d", lax), http.StatusForbidden},
		{"no port (80)", strict, "localhost", http.StatusForbidden},
		{"without the key", lax, "example.com", http.StatusSwitchingProtocols},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := dialWS(t, tt.port, tt.host); got != tt.want {
				t.Fatalf("upgrade with Host %q: %d, want %d", tt.host, got, tt.want)
			}
		})
	}
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/", strict), nil)
	req.Host = "example.com"
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "keys home" {
		t.Fatalf("plain GET with another Host: %s %q, want it served", resp.Status, b)
	}
}

// TestNoProtocolUpgrades: with disable-no-protocol-ws-upgrades (lws sets
// the vhost's default protocol index out of range) an upgrade that names
// no subprotocol is refused — lws hangs up, golws answers 403 — and one
// that names a protocol of the vhost is accepted. Without the key a
// protocol-less upgrade gets the default protocol (the "default" pvo:
// dumb-increment-protocol, which sends numbers).
func TestNoProtocolUpgrades(t *testing.T) {
	dir := t.TempDir()
	strict, lax := lwstest.FreeTCPPort(t), lwstest.FreeTCPPort(t)
	serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", "disable-no-protocol-ws-upgrades": "1",
  "ws-protocols": [{ "lws-echo": {}, "dumb-increment-protocol": { "default": "1" } }]
}, {
  "name": "localhost", "port": "%d", "interface": "127.0.0.1",
  "ws-protocols": [{ "lws-echo": {}, "dumb-increment-protocol": { "default": "1" } }] }] }`, strict, lax))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tt := range []struct {
		name      string
		port      int
		protocols []string
		want      int
		proto     string // the protocol that serves: its subprotocol answer, or the default's numbers
	}{
		{"no protocol refused", strict, nil, http.StatusForbidden, ""},
		{"a protocol accepted", strict, []string{"lws-echo"}, http.StatusSwitchingProtocols, "lws-echo"},
		{"without the key, the default", lax, nil, http.StatusSwitchingProtocols, "dumb-increment-protocol"},
		{"without the key, a protocol", lax, []string{"lws-echo"}, http.StatusSwitchingProtocols, "lws-echo"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, c := dialWS(t, tt.port, "", tt.protocols...)
			if got != tt.want {
				t.Fatalf("status %d, want %d", got, tt.want)
			}
			switch tt.proto {
			case "lws-echo":
				if c.Subprotocol() != "lws-echo" {
					t.Fatalf("subprotocol %q", c.Subprotocol())
				}
				c.Write(ctx, websocket.MessageText, []byte("echo me"))
				if _, b, err := c.Read(ctx); err != nil || string(b) != "echo me" {
					t.Fatalf("echo: %q %v", b, err)
				}
			case "dumb-increment-protocol":
				if c.Subprotocol() != "" {
					t.Fatalf("subprotocol %q answered to an upgrade that offered none", c.Subprotocol())
				}
				if _, b, err := c.Read(ctx); err != nil || strings.Trim(string(b), "0123456789") != "" {
					t.Fatalf("want a number from dumb-increment-protocol, got %q %v", b, err)
				}
			}
		})
	}
}

// TestIgnoreMissingCert: a TLS vhost whose certificate or key file is
// missing fails New with an error naming the file, unless
// ignore-missing-cert is set: then it starts, with a warning, and its
// handshakes fail (lws: "the vhost won't be able to serve anything").
func TestIgnoreMissingCert(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "localhost", "127.0.0.1")
	for _, tt := range []struct {
		name    string
		missing string // "cert" or "key"
		ignore  bool
	}{
		{"cert missing", "cert", false},
		{"key missing", "key", false},
		{"cert missing, ignored", "cert", true},
		{"key missing, ignored", "key", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			certFile, keyFile := cert.CertFile, cert.KeyFile
			gone := filepath.Join(dir, "gone.pem")
			if tt.missing == "cert" {
				certFile = gone
			} else {
				keyFile = gone
			}
			ignore := ""
			if tt.ignore {
				ignore = `"ignore-missing-cert": "1",`
			}
			port := lwstest.FreeTCPPort(t)
			logPath := filepath.Join(dir, "log")
			logFile, err := os.Create(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer logFile.Close()
			srv, err := newConf(t, dir, fmt.Sprintf(`{ "global": { "init-ssl": "1", "log-level": "warn" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", %s
  "host-ssl-cert": %q, "host-ssl-key": %q }] }`, port, ignore, certFile, keyFile), logFile)
			if !tt.ignore {
				var ce *lwsws.Error
				if !errors.As(err, &ce) || ce.Key != "vhosts[0]" || !strings.Contains(err.Error(), gone) ||
					!errors.Is(err, os.ErrNotExist) {
					t.Fatalf("New: %v, want an error naming %s", err, gone)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			lwstest.Run(t, srv)
			if b, _ := os.ReadFile(logPath); !strings.Contains(string(b), "certificate missing") {
				t.Fatalf("no warning in the log:\n%s", b)
			}
			d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: &tls.Config{RootCAs: cert.Pool}}
			if nc, err := d.DialContext(context.Background(), "tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				nc.Close()
				t.Fatal("a TLS handshake succeeded without a certificate")
			}
		})
	}
}

// TestIPv6Keys: a vhost without an interface listens dual-stack, as lws
// does, and so does one with "ipv6only": "off" (lws's IPV6_V6ONLY 0);
// "noipv6" listens on IPv4 only.
func TestIPv6Keys(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		ln.Close()
	}
	for _, tt := range []struct {
		name, key string
		v6        bool // [::1] answers
	}{
		{"default", ``, true},
		{"ipv6only off", `"ipv6only": "off",`, true},
		{"noipv6", `"noipv6": "1",`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keysSite(t, dir)
			port := lwstest.FreeTCPPort(t)
			serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", %s
  "mounts": [{ "mountpoint": "/", "origin": "file://../www", "default": "index.html" }] }] }`, port, tt.key))
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			if _, body := get(t, client, fmt.Sprintf("http://127.0.0.1:%d/", port)); body != "keys home" {
				t.Fatalf("IPv4: %q", body)
			}
			v6 := fmt.Sprintf("[::1]:%d", port)
			if !tt.v6 {
				if nc, err := net.DialTimeout("tcp", v6, 5*time.Second); err == nil {
					nc.Close()
					t.Fatalf("%s answers", v6)
				}
				return
			}
			if _, body := get(t, client, "http://"+v6+"/"); body != "keys home" {
				t.Fatalf("IPv6: %q", body)
			}
		})
	}
}

// keysCA makes a CA and a server certificate it signs for 127.0.0.1; it
// returns the CA's PEM file and the server's certificate.
func keysCA(t *testing.T, dir string) (caFile string, leaf tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "keys test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "backend"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestProxyClientTLS: an https:// proxy origin is reached with the vhost's
// client TLS: enable-client-ssl turns it on, client-ssl-ca is the CA the
// backend's certificate must chain to, client-ssl-cert / client-ssl-key
// are presented to a backend that asks, and client-ssl-ciphers restricts
// the TLS 1.2 suites offered. A backend the proxy cannot reach answers 502.
func TestProxyClientTLS(t *testing.T) {
	dir := t.TempDir()
	caFile, leaf := keysCA(t, dir)
	clientCert, clientKey, client := clientCA(t, dir, "proxy-client")
	backend := func(tc *tls.Config) int {
		s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			who := "anonymous"
			if len(r.TLS.PeerCertificates) > 0 {
				who = r.TLS.PeerCertificates[0].Subject.CommonName
			}
			fmt.Fprintf(w, "backend %s %s", tls.VersionName(r.TLS.Version), who)
		}))
		tc.Certificates = []tls.Certificate{leaf}
		s.TLS = tc
		s.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes
		s.StartTLS()
		t.Cleanup(s.Close)
		return s.Listener.Addr().(*net.TCPAddr).Port
	}
	plain := backend(&tls.Config{})
	pool := x509.NewCertPool()
	pool.AddCert(client.Leaf)
	mutual := backend(&tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	aes128 := backend(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})

	ca := fmt.Sprintf(`"client-ssl-ca": %q,`, caFile)
	for _, tt := range []struct {
		name, keys string
		backend    int
		want       string // the body, or "" for 502
	}{
		{"CA trusted", `"enable-client-ssl": "1",` + ca, plain, "backend TLS 1.3 anonymous"},
		{"without client-ssl-ca", `"enable-client-ssl": "1",`, plain, ""},
		{"without enable-client-ssl", ca, plain, ""},
		{"client certificate", `"enable-client-ssl": "1",` + ca + fmt.Sprintf(`"client-ssl-cert": %q, "client-ssl-key": %q,`, clientCert, clientKey),
			mutual, "backend TLS 1.3 proxy-client"},
		{"no client certificate", `"enable-client-ssl": "1",` + ca, mutual, ""},
		{"cipher in the list", `"enable-client-ssl": "1",` + ca + `"client-ssl-ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256",`,
			aes128, "backend TLS 1.2 anonymous"},
		{"cipher outside the list", `"enable-client-ssl": "1",` + ca + `"client-ssl-ciphers": "ECDHE-ECDSA-AES256-GCM-SHA384",`, aes128, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			port := lwstest.FreeTCPPort(t)
			serveConf(t, t.TempDir(), fmt.Sprintf(`{ "global": { "init-ssl": "1", "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", %s
  "mounts": [{ "mountpoint": "/", "origin": "https://127.0.0.1:%d/" }] }] }`, port, tt.keys, tt.backend))
			c := &http.Client{Timeout: 10 * time.Second}
			defer c.CloseIdleConnections()
			resp, body := get(t, c, fmt.Sprintf("http://127.0.0.1:%d/x", port))
			switch {
			case tt.want == "" && resp.StatusCode != http.StatusBadGateway:
				t.Fatalf("%s %q, want 502", resp.Status, body)
			case tt.want != "" && (resp.StatusCode != 200 || body != tt.want):
				t.Fatalf("%s %q, want %q", resp.Status, body, tt.want)
			}
		})
	}
}

// TestUnixSocketPerms: as root, "unix-socket-perms": "user:group" gives
// the vhost's unix socket that owner, mode 0600; an unknown user fails New.
func TestUnixSocketPerms(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a socket's owner needs root")
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	group := "nogroup"
	g, err := user.LookupGroup(group)
	if err != nil {
		t.Skipf("no group %s: %v", group, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	dir := t.TempDir()
	keysSite(t, dir)
	sock := filepath.Join(dir, "site.sock")
	serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "unix-socket": "1", "interface": %q, "unix-socket-perms": "nobody:%s",
  "mounts": [{ "mountpoint": "/", "origin": "file://../www", "default": "index.html" }] }] }`, sock, group))
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Fatalf("socket %v owned by %d:%d, want a socket 0600 owned by %d:%d", fi.Mode(), st.Uid, st.Gid, uid, gid)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	defer c.CloseIdleConnections()
	if _, body := get(t, c, "http://localhost/"); body != "keys home" {
		t.Fatalf("over the socket: %q", body)
	}

	other := t.TempDir()
	_, err = newConf(t, other, fmt.Sprintf(`{ "vhosts": [{ "name": "localhost", "unix-socket": "1",
  "interface": %q, "unix-socket-perms": "no-such-user-here:%s" }] }`, filepath.Join(other, "s.sock"), group), nil)
	if err == nil || !strings.Contains(err.Error(), "no-such-user-here") {
		t.Fatalf("an unknown user: %v", err)
	}
}

// rlimitChild names, in a child process of TestRlimitNofile, the
// configuration directory to start.
const rlimitChild = "LWSWS_KEYS_TEST_RLIMIT_CONFD"

// TestRlimitNofile: the global "rlimit-nofile" sets the process's soft and
// hard RLIMIT_NOFILE, as lws's context creation does. New runs in a child
// process (this test binary), so this process keeps its own limit.
func TestRlimitNofile(t *testing.T) {
	if confd := os.Getenv(rlimitChild); confd != "" {
		cfg, err := lwsws.Load(filepath.Join(confd, "global"), "")
		if err != nil {
			t.Fatal(err)
		}
		srv, err := lwsws.New(cfg, &lwsws.Options{LogOutput: nullFile(t)})
		if err != nil {
			t.Fatal(err)
		}
		srv.Close()
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("rlimit-nofile %d %d\n", lim.Cur, lim.Max)
		return
	}
	var before syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &before); err != nil {
		t.Fatal(err)
	}
	const want = 777
	if before.Max <= want {
		t.Skipf("the hard limit %d is too low to lower it", before.Max)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "global"), []byte(fmt.Sprintf(`{ "global": { "rlimit-nofile": "%d" } }`, want)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRlimitNofile$", "-test.count=1")
	cmd.Env = append(os.Environ(), rlimitChild+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^rlimit-nofile (\d+) (\d+)$`).FindStringSubmatch(string(out))
	if m == nil || m[1] != strconv.Itoa(want) || m[2] != strconv.Itoa(want) {
		t.Fatalf("child's limit: %q, want soft and hard %d\n%s", m, want, out)
	}
	var after syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &after)
	if after != before {
		t.Fatalf("this process's limit changed: %+v, was %+v", after, before)
	}
}
