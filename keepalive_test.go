package lws_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/raw"
)

// oneRequestThenSilence sends one request on a new connection to addr,
// reads the response, then keeps quiet, and returns how long the server
// took to close the connection (failing if it did not within limit).
func oneRequestThenSilence(t *testing.T, addr string, limit time.Duration) time.Duration {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the server did not keep the connection alive")
	}
	start := time.Now()
	nc.SetReadDeadline(start.Add(limit))
	n, err := br.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("after %v of silence: read %d bytes, %v; want the server to have closed the connection", limit, n, err)
	}
	return time.Since(start)
}

// TestKeepAliveTimeout shows an HTTP client that sends one request and then
// keeps quiet is disconnected after the vhost's keep-alive timeout.
func TestKeepAliveTimeout(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:           "127.0.0.1:0",
		KeepAliveTimeout: 200 * time.Millisecond,
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "ok")
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	if d := oneRequestThenSilence(t, v.Addr().String(), 5*time.Second); d < 150*time.Millisecond {
		t.Fatalf("closed after %v, before the keep-alive timeout", d)
	}
}

// TestKeepAliveTimeoutConfig shows lwsws's vhost "keepalive_timeout" is
// parsed and applied.
func TestKeepAliveTimeoutConfig(t *testing.T) {
	dir := t.TempDir()
	port := lwstest.FreeTCPPort(t)
	conf := fmt.Sprintf(`{
  "global": { "log-level": "err" },
  "vhosts": [{ "name": "localhost", "port": %d, "interface": "127.0.0.1", "keepalive_timeout": "1" }]
}`, port)
	os.WriteFile(filepath.Join(dir, "site.json"), []byte(conf), 0o644)
	cfg, err := lwsws.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Vhosts[0].KeepAliveSecs; got != 1 {
		t.Fatalf("KeepAliveSecs %d, want 1", got)
	}
	c, err := lwsws.New(cfg, &lwsws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	// 1 s, not the default 5 s.
	oneRequestThenSilence(t, fmt.Sprintf("127.0.0.1:%d", port), 4*time.Second)

	var bad lwsws.Config
	err = bad.Parse("bad.json", []byte(`{"vhosts": [{"name": "a", "port": "1", "keepalive_timeout": "soon"}]}`))
	var ce *lwsws.Error
	if !errors.As(err, &ce) || ce.Key != "vhosts[0].keepalive_timeout" {
		t.Fatalf("bad keepalive_timeout: %v", err)
	}
}

// closedWith records the cause of its connection's close.
type closedWith struct {
	rawEcho
	err chan error
}

func (s *closedWith) Closed(_ *conn.Conn, err error) { s.err <- err }

// TestRawIdleTimeout shows a raw connection of a protocol with
// RawIdleTimeout is closed once its peer keeps quiet that long, and that
// talking keeps it open.
func TestRawIdleTimeout(t *testing.T) {
	closed := make(chan error, 1)
	p := &lws.Protocol{
		Name:           "raw-idle",
		RawIdleTimeout: 300 * time.Millisecond,
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &closedWith{err: closed}
		},
	}
	ctx, v := rawVhost(t, lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	lwstest.Run(t, ctx)
	client, server := pair(t)
	if _, err := v.AdoptConn(server, "raw-idle"); err != nil {
		t.Fatal(err)
	}
	for range 3 { // each exchange within the timeout keeps it open
		talk(t, client, "ping", "ping")
	}
	expectEOF(t, client)
	select {
	case err := <-closed:
		if !errors.Is(err, raw.ErrIdleTimeout) {
			t.Fatalf("closed with %v, want raw.ErrIdleTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Closed never ran")
	}
	if !strings.Contains(fmt.Sprint(raw.ErrIdleTimeout), "idle") {
		t.Fatal("ErrIdleTimeout text")
	}
}
