package integration

import (
	"bytes"
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
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

// requireTool skips the test outside CI when an independent peer is not
// installed, and fails it in CI, where .ci/run installs it.
func requireTool(t *testing.T, tool, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (.ci/run installs %s): %v", tool, pkg, err)
		}
		t.Skipf("%s not installed: apt-get install %s", tool, pkg)
	}
	return path
}

// freePort returns a loopback port that was free a moment ago, for peers
// that cannot be told to pick one themselves.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// serverPeer starts an independent server and waits until it accepts TCP
// connections on port; it is interrupted (then killed) when the test ends.
func serverPeer(t *testing.T, port int, path string, args ...string) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = t.TempDir()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(path), out.String())
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited before listening on %d: %v", filepath.Base(path), port, err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %d within 10 s", filepath.Base(path), port)
		}
	}
}

// lwsTestServer starts libwebsockets' own test server and returns its ws://
// URL.
func lwsTestServer(t *testing.T) string {
	t.Helper()
	path := requireTool(t, "libwebsockets-test-server", "libwebsockets-test-server")
	port := freePort(t)
	serverPeer(t, port, path, "-i", "lo", "-p", strconv.Itoa(port))
	return fmt.Sprintf("ws://127.0.0.1:%d/", port)
}

// runExample builds the examples (once) and runs the program name to its
// end, returning what it printed.
func runExample(t *testing.T, name string, args ...string) string {
	t.Helper()
	buildExamples(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestLwsTestServerDumbIncrement: the ws-client-dumb example, a golws
// WebSocket client, against lws's C test server.
func TestLwsTestServerDumbIncrement(t *testing.T) {
	url := lwsTestServer(t)
	out := runExample(t, "ws-client-dumb", "-url", url, "-n", "10")
	lines := strings.Fields(out)
	if len(lines) != 10 {
		t.Fatalf("output:\n%s", out)
	}
	for i, l := range lines {
		n, err := strconv.Atoi(l)
		if err != nil || i > 0 && n != mustAtoi(lines[i-1])+1 {
			t.Fatalf("line %d is %q, not the next number:\n%s", i, l, out)
		}
	}
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// mirrorSession records the messages it gets and sends what its test puts
// on send.
type mirrorSession struct {
	up   chan<- *conn.Conn
	got  chan<- string
	send <-chan []byte
	msg  []byte
}

func (s *mirrorSession) Established(c *conn.Conn) error {
	s.up <- c
	return nil
}

func (s *mirrorSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.msg = append(s.msg, in.Data...)
	if in.Final {
		s.got <- string(s.msg)
		s.msg = s.msg[:0]
	}
	return nil
}

func (s *mirrorSession) Writeable(c *conn.Conn) error {
	select {
	case p := <-s.send:
		return c.Write(conn.Text, p)
	default:
		return nil
	}
}

// TestLwsTestServerMirror: two golws clients on lws's lws-mirror-protocol;
// what one sends, the other receives.
func TestLwsTestServerMirror(t *testing.T) {
	url := lwsTestServer(t)
	type peer struct {
		up   chan *conn.Conn
		got  chan string
		send chan []byte
	}
	var clients [2]peer
	protocols := make([]*lws.Protocol, 2)
	for i := range clients {
		cl := peer{make(chan *conn.Conn, 1), make(chan string, 16), make(chan []byte, 1)}
		clients[i] = cl
		protocols[i] = &lws.Protocol{
			Name: fmt.Sprintf("mirror-%d", i),
			NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
				return &mirrorSession{up: cl.up, got: cl.got, send: cl.send}
			},
		}
	}
	ctx := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	vh, err := ctx.NewVhost(lws.VhostOptions{Protocols: protocols})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- ctx.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	conns := make([]*conn.Conn, 2)
	for i, p := range protocols {
		if _, err := client.Connect(vh, client.Options{
			URL:             url,
			Protocol:        p.Name,
			Subprotocols:    []string{"lws-mirror-protocol"},
			ConnectionError: func(_ *client.Client, err error) { t.Errorf("client %d: %v", i, err) },
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case conns[i] = <-clients[i].up:
		case <-time.After(10 * time.Second):
			t.Fatalf("client %d not established", i)
		}
	}
	// The mirror sends every message to every client of its instance,
	// the sender included.
	for i, msg := range []string{"from golws client 0", "and back from client 1"} {
		clients[i].send <- []byte(msg)
		conns[i].RequestWritable()
		for _, j := range []int{1 - i, i} {
			select {
			case got := <-clients[j].got:
				if got != msg {
					t.Fatalf("client %d received %q, want %q", j, got, msg)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("client %d did not receive what client %d sent", j, i)
			}
		}
	}
}

// selfSigned writes an ECDSA key and a certificate for 127.0.0.1 into dir.
func selfSigned(t *testing.T, dir string) (keyFile, certFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "golws test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyFile, certFile, cert
}

// bodySession collects one response.
type bodySession struct {
	conn.NopSession
	proto string
	body  []byte
	done  chan<- string
}

func (s *bodySession) Response(c *conn.Conn, resp *http.Response) error {
	s.proto = resp.Proto
	return nil
}

func (s *bodySession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.body = append(s.body, in.Data...)
	return nil
}

func (s *bodySession) Closed(c *conn.Conn, err error) {
	if !errors.Is(err, io.EOF) {
		s.done <- "error: " + err.Error()
		return
	}
	s.done <- s.proto + " " + string(s.body)
}

// TestNghttpdMultiplex: concurrent golws HTTP client requests to nghttp2's
// h2 server share one TCP connection as HTTP/2 streams.
func TestNghttpdMultiplex(t *testing.T) {
	path := requireTool(t, "nghttpd", "nghttp2-server")
	dir := t.TempDir()
	keyFile, certFile, cert := selfSigned(t, dir)
	htdocs := filepath.Join(dir, "htdocs")
	os.Mkdir(htdocs, 0o755)
	const n = 16
	for i := range n {
		os.WriteFile(filepath.Join(htdocs, fmt.Sprintf("f%d.txt", i)), []byte(strings.Repeat(strconv.Itoa(i%10), 10_000+i)), 0o644)
	}
	port := freePort(t)
	serverPeer(t, port, path, "-a", "127.0.0.1", "-d", htdocs, strconv.Itoa(port), keyFile, certFile)

	done := make(chan string, n)
	p := &lws.Protocol{
		Name:       "fetch",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &bodySession{done: done} },
	}
	ctx := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	vh, err := ctx.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- ctx.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	cfg := &tls.Config{RootCAs: pool}
	var dials atomic.Int64
	dialer := &net.Dialer{ControlContext: func(context.Context, string, string, syscall.RawConn) error {
		dials.Add(1)
		return nil
	}}
	for i := range n {
		if _, err := client.Connect(vh, client.Options{
			URL:             fmt.Sprintf("https://127.0.0.1:%d/f%d.txt", port, i),
			TLSConfig:       cfg,
			Dialer:          dialer,
			Pipeline:        true,
			ConnectionError: func(_ *client.Client, err error) { done <- "error: " + err.Error() },
		}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for range n {
		select {
		case r := <-done:
			if !strings.HasPrefix(r, "HTTP/2.0 ") {
				t.Fatalf("request: %.100s", r)
			}
			got[r] = true
		case <-time.After(20 * time.Second):
			t.Fatal("requests did not finish within 20 s")
		}
	}
	for i := range n {
		if want := "HTTP/2.0 " + strings.Repeat(strconv.Itoa(i%10), 10_000+i); !got[want] {
			t.Fatalf("no correct answer for f%d.txt", i)
		}
	}
	if d := dials.Load(); d != 1 {
		t.Fatalf("%d requests used %d TCP connections, want 1", n, d)
	}

	// The example does the same from the command line.
	out := runExample(t, "http-client-multi", "-k", "-n", "8", "-url", fmt.Sprintf("https://127.0.0.1:%d/f3.txt", port))
	if !strings.Contains(out, "request 7: HTTP/2.0 200, 10003 bytes") || !strings.Contains(out, "8 requests over 1 TCP connections") {
		t.Fatalf("http-client-multi:\n%s", out)
	}
}

// TestLwsTestServerHTTP: the http-client example fetches lws's test page.
func TestLwsTestServerHTTP(t *testing.T) {
	url := strings.Replace(lwsTestServer(t), "ws://", "http://", 1)
	out := runExample(t, "http-client", "-url", url)
	if !strings.HasPrefix(out, "HTTP/1.1 200 OK\n") || !strings.Contains(out, "Minimal Websocket test app") {
		t.Fatalf("output:\n%.500s", out)
	}
}
