package lwsws_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/internal/testwait"
	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/mux"
	_ "github.com/golws/lws/plugins/echo"
)

// echoMount is a test protocol for callback mounts: it answers with the
// mount's per-mount options, or with an interpreted file upper-cased.
const echoMount = "test-mount-echo"

func init() {
	lws.Register(&lws.Protocol{Name: echoMount, NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &mountEcho{} }})
}

type mountEcho struct {
	body  string
	ready bool
	step  int
}

func (s *mountEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	if !in.Final {
		return nil
	}
	r := mux.HTTPRequest(c)
	if fsys, name, ok := mux.InterpretedFile(r); ok {
		f, err := fsys.OpenFile(name, fops.Read)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(f)
		f.Close()
		s.body = "interpreted " + name + ": " + strings.ToUpper(string(b))
	} else {
		s.body = fmt.Sprintf("pmo %v user %q", mux.MountOptions(r), mux.BasicAuthUser(r))
	}
	s.ready = true
	c.RequestWritable()
	return nil
}

// Writeable sends the header, then the body, one per callback.
func (s *mountEcho) Writeable(c *conn.Conn) error {
	if !s.ready {
		return nil
	}
	s.step++
	switch s.step {
	case 1:
		c.RequestWritable()
		return c.WriteHeader(200, http.Header{"Content-Type": {"text/plain"}})
	case 2:
		if err := c.Write(conn.Binary, []byte(s.body)); err != nil {
			return err
		}
		c.Close(conn.StatusNormal, "")
	}
	return nil
}

// TestLwsShippedExampleParses reads lws's own example configuration
// (lwsws/etc-lwsws-conf-EXAMPLE and etc-lwsws-conf.d-localhost-EXAMPLE,
// comments and _lws_ddir_ included) unchanged.
func TestLwsShippedExampleParses(t *testing.T) {
	for _, tt := range []struct{ dataDir, want string }{
		{"", "/usr/share/libwebsockets-test-server"},
		{"/opt/lws/share", "/opt/lws/share/libwebsockets-test-server"},
	} {
		cfg := &lwsws.Config{DataDir: tt.dataDir}
		if err := cfg.Load("testdata/lws-example/conf", "testdata/lws-example/conf.d"); err != nil {
			t.Fatal(err)
		}
		g := cfg.Global
		if g.UID != 48 || g.GID != 48 || !g.InitSSL || g.ServerString != "lwsws" || g.PingPongSecs != 200 || g.Interface != "eth0" {
			t.Fatalf("global %+v", g)
		}
		v := cfg.Vhosts[0]
		if v.AccessLog != "/var/log/lwsws/test-access-log" || v.Mounts[0].Origin != "file://"+tt.want ||
			v.Mounts[2].Origin != "cgi://"+tt.want+"/lws-cgi-test.sh" || v.Mounts[0].CacheIntermediaries {
			t.Fatalf("vhost %+v", v)
		}
		if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0].String(),
			"testdata/lws-example/conf:10: global.count-threads: has no effect in golws: Go schedules goroutines on all cores") {
			t.Fatalf("warnings %v", cfg.Warnings)
		}
	}
}

// TestEveryDocumentedKeyIsKnown feeds every key of lwsws 4.1.6's parser
// (lejp-conf.c's paths_global and paths_vhosts) to Parse.
func TestEveryDocumentedKeyIsKnown(t *testing.T) {
	conf := `{
 "global": { "uid": "0", "gid": "0", "username": "", "groupname": "", "count-threads": "2",
  "init-ssl": "1", "server-string": "s", "plugin-dir": "/x", "ws-pingpong-secs": "5",
  "timeout-secs": "5", "reject-service-keywords": [{ "scumbot": "404 Not Found" }],
  "default-alpn": "http/1.1", "ip-limit-ah": "4", "ip-limit-wsi": "4", "rlimit-nofile": "0" },
 "vhosts": [{ "name": "a", "port": "1", "interface": "lo", "unix-socket": "0", "unix-socket-perms": "a:b",
  "sts": "1", "host-ssl-key": "k", "host-ssl-cert": "c", "host-ssl-ca": "ca", "access-log": "l",
  "keepalive_timeout": "5", "enable-client-ssl": "1", "ciphers": "HIGH", "ecdh-curve": "prime256v1",
  "noipv6": "1", "ipv6only": "off", "ssl-option-set": "1", "ssl-option-clear": "1",
  "headers": [{ "X-A": "1" }], "client-ssl-key": "k", "client-ssl-cert": "c", "client-ssl-ca": "ca",
  "client-ssl-ciphers": "HIGH", "onlyraw": "0", "client-cert-required": "1", "ignore-missing-cert": "1",
  "error-document-404": "/404", "alpn": "h2,http/1.1", "ssl-client-option-set": "1",
  "ssl-client-option-clear": "1", "tls13-ciphers": "x", "client-tls13-ciphers": "x",
  "strict-host-check": "1", "listen-accept-role": "raw-skt", "listen-accept-protocol": "p",
  "apply-listen-accept": "0", "fallback-listen-accept": "1", "allow-non-tls": "1", "redirect-http": "1",
  "allow-http-on-https": "0", "disable-no-protocol-ws-upgrades": "1", "h2-half-closed-long-poll": "1",
  "mounts": [{ "mountpoint": "/", "origin": "file:///x", "protocol": "p", "default": "i.html",
   "auth-mask": "1", "cgi-timeout": "1", "cgi-env": [{ "A": "1" }], "cache-max-age": "1",
   "cache-reuse": "1", "cache-revalidate": "1", "basic-auth": "/f", "cache-intermediaries": "1",
   "extra-mimetypes": { ".x": "a/b" }, "interpret": { ".y": "p" }, "pmo": [{ "k": "v" }] }],
  "ws-protocols": [{ "p": { "o": "1" } }] }]
}`
	var cfg lwsws.Config
	if err := cfg.Parse("all.json", []byte(conf)); err != nil {
		t.Fatal(err)
	}
	var warned []string
	for _, w := range cfg.Warnings {
		warned = append(warned, w.Key)
	}
	want := []string{"global.count-threads", "global.plugin-dir", "vhosts[0].ssl-option-set", "vhosts[0].ssl-option-clear",
		"vhosts[0].ssl-client-option-set", "vhosts[0].ssl-client-option-clear", "vhosts[0].tls13-ciphers",
		"vhosts[0].client-tls13-ciphers", "vhosts[0].h2-half-closed-long-poll", "vhosts[0].mounts[0].auth-mask", "vhosts[0].mounts[0].protocol"}
	slices.Sort(warned)
	slices.Sort(want)
	if !slices.Equal(warned, want) {
		t.Fatalf("warned about %q, want %q", warned, want)
	}
}

// serveConf writes conf as dir/conf.d/site, loads and starts it; relative
// paths of the file are relative to dir/conf.d.
func serveConf(t *testing.T, dir, conf string) *lws.Server {
	t.Helper()
	c, err := newConf(t, dir, conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	return c
}

// newLogged builds the Server of cfg with its log kept: logged returns what
// it has written so far.
func newLogged(t *testing.T, cfg *lwsws.Config) (srv *lws.Server, logged func() string) {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "log")
	out, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	srv, err = lwsws.New(cfg, &lwsws.Options{LogOutput: out})
	if err != nil {
		t.Fatal(err)
	}
	return srv, func() string {
		b, _ := os.ReadFile(logFile)
		return string(b)
	}
}

func nullFile(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func get(t *testing.T, client *http.Client, url string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestVhostAndMountKeys(t *testing.T) {
	dir := t.TempDir()
	www := filepath.Join(dir, "www")
	os.MkdirAll(filepath.Join(www, "private"), 0o755)
	os.WriteFile(filepath.Join(www, "index.html"), []byte("<p>home</p>"), 0o644)
	os.WriteFile(filepath.Join(www, "page.tpl"), []byte("hello template"), 0o644)
	os.WriteFile(filepath.Join(www, "private", "secret.txt"), []byte("the secret"), 0o644)
	os.WriteFile(filepath.Join(dir, "logins"), []byte("testuser:testpass\nmyuser:hispass\n"), 0o600)
	sock := filepath.Join(dir, "lws.sock")
	port := lwstest.FreeTCPPort(t)
	serveConf(t, dir, fmt.Sprintf(`# the site, lwsws style
{
  "global": {
    "server-string": "myserver v1",   # returned in http headers
    "log-level": "err",
    "reject-service-keywords": [{ "scumbot": "404 Not Found" }]
  },
  "vhosts": [{
    "name": "localhost",
    "port": "%d",
    "interface": "127.0.0.1",
    "sts": "on",
    "access-log": "../access.log",
    "headers": [{
      "Content-Security-Policy": "script-src 'self'",
      "X-Frame-Options": "SAMEORIGIN"
    }],
    "mounts": [{
      "mountpoint": "/",
      "origin": "file://../www",
      "interpret": { ".tpl": "test-mount-echo" }
    }, {
      "mountpoint": "/private",
      "origin": "file://../www/private",
      "basic-auth": "../logins"
    }, {
      "mountpoint": "/opts",
      "origin": "callback://",
      "protocol": "test-mount-echo",
      "pmo": [{ "myname": "myvalue" }],
      "basic-auth": "../logins"
    }],
    "ws-protocols": [{ "test-mount-echo": {}, "lws-echo": { "default": "1" } }]
  }, {
    "name": "unix", "unix-socket": "1", "interface": "%s",
    "mounts": [{ "mountpoint": "/", "origin": "file://../www" }]
  }]
}`, port, sock))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{}
	defer client.CloseIdleConnections()

	resp, body := get(t, client, base+"/", "Referer", "http://x/\"q\"", "User-Agent", "tester/1")
	if body != "<p>home</p>" || resp.Header.Get("Server") != "myserver v1" ||
		resp.Header.Get("Strict-Transport-Security") != "max-age=15768000 ; includeSubDomains" ||
		resp.Header.Get("Content-Security-Policy") != "script-src 'self'" || resp.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Fatalf("GET /: %q %v", body, resp.Header)
	}
	if resp, body := get(t, client, base+"/page.tpl"); body != "interpreted page.tpl: HELLO TEMPLATE" {
		t.Fatalf("interpret: %s %q", resp.Status, body)
	}
	if resp, _ := get(t, client, base+"/", "User-Agent", "a scumbot b"); resp.StatusCode != 404 {
		t.Fatalf("reject-service-keywords: %s", resp.Status)
	}
	for _, tt := range []struct {
		name, user, pass string
		raw              string
		status           int
	}{
		{"no credentials", "", "", "", 401},
		{"wrong password", "testuser", "nope", "", 401},
		{"right", "myuser", "hispass", "", 200},
		{"not basic", "", "", "Bearer x", 403},
		{"no colon", "", "", "Basic dGVzdHVzZXI=", 403},
	} {
		t.Run("basic-auth "+tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+"/private/secret.txt", nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			if tt.raw != "" {
				req.Header.Set("Authorization", tt.raw)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || (tt.status == 401 && resp.Header.Get("WWW-Authenticate") != `Basic realm="lwsws"`) ||
				(tt.status == 200 && string(b) != "the secret") {
				t.Fatalf("%s %v %q", resp.Status, resp.Header, b)
			}
		})
	}
	req, _ := http.NewRequest("GET", base+"/opts/x", nil)
	req.SetBasicAuth("testuser", "testpass")
	if resp, err := client.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != `pmo map[myname:myvalue] user "testuser"` {
			t.Fatalf("pmo: %q", b)
		}
	}

	// The unix socket vhost, mode 0600.
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v %v", fi, err)
	}
	uc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	defer uc.CloseIdleConnections()
	if _, body := get(t, uc, "http://unix/"); body != "<p>home</p>" {
		t.Fatalf("unix socket: %q", body)
	}

	// The access log has a line per request, as lws writes it.
	line := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET / HTTP/1\.1" 200 11 "http://x/'q'" "tester/1"$`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if line.MatchString(lines[0]) && len(lines) >= 9 {
			if fi, _ := os.Stat(filepath.Join(dir, "access.log")); fi.Mode().Perm() != 0o600 {
				t.Fatalf("access log mode %v", fi.Mode())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// clientCA makes a self-signed certificate usable as a client certificate
// and as the CA that verifies it.
func clientCA(t *testing.T, dir, name string) (certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, err = tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func TestTLSKeys(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("tls home"), 0o644)
	srv := testcert.New(t, testcert.ECDSA, "localhost", "127.0.0.1")
	caFile, _, good := clientCA(t, dir, "client")
	_, _, bad := clientCA(t, dir, "stranger")
	port, plainPort := lwstest.FreeTCPPort(t), lwstest.FreeTCPPort(t)
	serveConf(t, dir, fmt.Sprintf(`{
  "global": { "init-ssl": "yes", "log-level": "err" },
  "vhosts": [{
    "name": "localhost", "port": "%d", "interface": "127.0.0.1",
    "host-ssl-cert": %q, "host-ssl-key": %q, "host-ssl-ca": %q,
    "client-cert-required": "1",
    "ciphers": "ECDHE-ECDSA-AES128-GCM-SHA256:!aNULL",
    "ecdh-curve": "secp384r1",
    "allow-non-tls": "1", "redirect-http": "1",
    "mounts": [{ "mountpoint": "/", "origin": "file://../www" }]
  }, {
    "name": "localhost", "port": "%d", "interface": "127.0.0.1",
    "host-ssl-cert": %q, "host-ssl-key": %q,
    "allow-non-tls": "1", "allow-http-on-https": "1",
    "mounts": [{ "mountpoint": "/", "origin": "file://../www" }]
  }]
}`, port, srv.CertFile, srv.KeyFile, caFile, plainPort, srv.CertFile, srv.KeyFile))
	base := fmt.Sprintf("https://127.0.0.1:%d/", port)
	tlsClient := func(cert *tls.Certificate, maxVersion uint16) *http.Client {
		tc := &tls.Config{RootCAs: srv.Pool, MaxVersion: maxVersion}
		if cert != nil {
			tc.Certificates = []tls.Certificate{*cert}
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	c := tlsClient(&good, tls.VersionTLS12)
	defer c.CloseIdleConnections()
	resp, body := get(t, c, base)
	if body != "tls home" || resp.TLS.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || resp.TLS.CurveID != tls.CurveP384 {
		t.Fatalf("with the client certificate: %q %s %v", body, tls.CipherSuiteName(resp.TLS.CipherSuite), resp.TLS.CurveID)
	}
	for name, cert := range map[string]*tls.Certificate{"no client certificate": nil, "a stranger's": &bad} {
		c := tlsClient(cert, 0)
		if _, err := c.Get(base); err == nil {
			t.Errorf("%s: served", name)
		}
		c.CloseIdleConnections()
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer noFollow.CloseIdleConnections()
	resp, _ = get(t, noFollow, fmt.Sprintf("http://127.0.0.1:%d/a?b=c", port))
	if resp.StatusCode != 301 || resp.Header.Get("Location") != fmt.Sprintf("https://127.0.0.1:%d/a?b=c", port) {
		t.Fatalf("redirect-http: %s %q", resp.Status, resp.Header.Get("Location"))
	}
	if _, body := get(t, noFollow, fmt.Sprintf("http://127.0.0.1:%d/", plainPort)); body != "tls home" {
		t.Fatalf("allow-http-on-https: %q", body)
	}
	pc := tlsClient(nil, 0)
	defer pc.CloseIdleConnections()
	if _, body := get(t, pc, fmt.Sprintf("https://127.0.0.1:%d/", plainPort)); body != "tls home" {
		t.Fatalf("TLS beside plain: %q", body)
	}
}

// TestWithoutInitSSL: as in lwsws, host-ssl-cert without the global
// init-ssl serves the vhost without TLS.
func TestWithoutInitSSL(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("plain"), 0o644)
	srv := testcert.New(t, testcert.ECDSA, "localhost")
	port := lwstest.FreeTCPPort(t)
	serveConf(t, dir, fmt.Sprintf(`{ "global": { "log-level": "err" }, "vhosts": [{
  "name": "localhost", "port": "%d", "interface": "127.0.0.1", "host-ssl-cert": %q, "host-ssl-key": %q,
  "mounts": [{ "mountpoint": "/", "origin": "file://../www" }] }] }`, port, srv.CertFile, srv.KeyFile))
	c := &http.Client{}
	defer c.CloseIdleConnections()
	if _, body := get(t, c, fmt.Sprintf("http://127.0.0.1:%d/", port)); body != "plain" {
		t.Fatalf("%q", body)
	}
}

// TestNewLogsWarnings checks that New logs each accepted-but-inert key.
func TestNewLogsWarnings(t *testing.T) {
	dir := t.TempDir()
	port := lwstest.FreeTCPPort(t)
	os.WriteFile(filepath.Join(dir, "site"), []byte(fmt.Sprintf(`{"global": {"count-threads": "4"},
 "vhosts": [{"name": "a", "port": "%d", "interface": "127.0.0.1", "tls13-ciphers": "TLS_AES_128_GCM_SHA256"}]}`, port)), 0o644)
	cfg, err := lwsws.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "log")
	out, _ := os.Create(logFile)
	defer out.Close()
	c, err := lwsws.New(cfg, &lwsws.Options{LogOutput: out})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	b, _ := os.ReadFile(logFile)
	var lines []string
	for sc := bufio.NewScanner(strings.NewReader(string(b))); sc.Scan(); {
		if strings.Contains(sc.Text(), "has no effect in golws") {
			lines = append(lines, sc.Text())
		}
	}
	if len(lines) != 2 || !strings.Contains(lines[0], "global.count-threads") || !strings.Contains(lines[1], "vhosts[0].tls13-ciphers") {
		t.Fatalf("log:\n%s", b)
	}
}

// TestAccessLogClosedWithServer: the access log a configuration opens is
// closed when its Server closes, not left open for the process's life.
func TestAccessLogClosedWithServer(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("needs /proc/self/fd")
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "access.log")
	open := func() int { // descriptors of this process open on logPath
		n := 0
		ents, _ := os.ReadDir("/proc/self/fd")
		for _, e := range ents {
			if p, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && p == logPath {
				n++
			}
		}
		return n
	}
	confd := filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	os.WriteFile(filepath.Join(confd, "site"), []byte(`{ "vhosts": [{ "name": "a", "port": "7681",
  "interface": "127.0.0.1", "access-log": "../access.log" }] }`), 0o644)
	cfg, err := lwsws.Load("", confd)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv, err := lwsws.New(cfg, &lwsws.Options{LogOutput: nullFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	if n := open(); n != 1 {
		t.Fatalf("%d descriptors on the access log while serving, want 1", n)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if n := open(); n != 0 {
		t.Fatalf("%d descriptors on the access log after Close, want 0", n)
	}
}

// TestAccessLogKeepsRequestsInFlightAtClose: a request still being served
// when the Server closes is logged: the access log closes only after the
// listeners' requests have ended.
func TestAccessLogKeepsRequestsInFlightAtClose(t *testing.T) {
	dir := t.TempDir()
	gatePath := filepath.Join(dir, "gate")
	if err := syscall.Mkfifo(gatePath, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "slow.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nread -r _ < \"$GATE\"\nprintf 'Content-Type: text/plain\\r\\n\\r\\ndone'\n"), 0o755)
	confd := filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	os.WriteFile(filepath.Join(confd, "site"), []byte(`{ "vhosts": [{ "name": "a", "port": "7681",
  "interface": "127.0.0.1", "access-log": "../access.log",
  "mounts": [{ "mountpoint": "/slow", "origin": "cgi://../slow.sh", "cgi-env": { "GATE": "../gate" } }] }] }`), 0o644)
	cfg, err := lwsws.Load("", confd)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	cfg.Vhosts[0].Mounts[0].CGIEnv["GATE"] = gatePath
	srv, err := lwsws.New(cfg, &lwsws.Options{LogOutput: nullFile(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	addr := srv.Vhost("a").Addr().String()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	// The script has the gate open once the request is in flight.
	openGate := func() *os.File {
		deadline := time.Now().Add(10 * time.Second)
		for {
			f, err := os.OpenFile(gatePath, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				return f
			}
			if time.Now().After(deadline) {
				t.Fatalf("the CGI script never opened its gate: %v", err)
			}
			time.Sleep(5 * time.Millisecond) // polling a FIFO, bounded by the deadline
		}
	}
	gate := openGate()
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	// Close has begun once the listener refuses connections.
	testwait.For(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	gate.WriteString("go\n")
	gate.Close()
	if body := <-got; body != "done" {
		t.Fatalf("the request in flight got %q", body)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	logged, _ := os.ReadFile(filepath.Join(dir, "access.log"))
	if !strings.Contains(string(logged), `"GET /slow HTTP/1.1" 200`) {
		t.Fatalf("the request in flight at Close is not in the access log:\n%s", logged)
	}
}
