package lwsws_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/lwsws"
	_ "github.com/golws/lws/plugins/dumbinc"
	_ "github.com/golws/lws/plugins/mirror"
	_ "github.com/golws/lws/plugins/postdemo"
	_ "github.com/golws/lws/plugins/status"
)

// TestLwsShippedExampleRuns starts lws's own example configuration, files
// unchanged (a global file and conf.d/localhost), on a data directory
// holding the test server's page: the page is served, its WebSocket
// protocols answer, and what golws does not have — lws's lws-meta and
// lws-server-status plugins, and the server-status directory and CGI script
// Debian does not ship — is warned about, as lwsws runs on without them.
// The configuration logs to /var/log/lwsws, so the test runs as root.
func TestLwsShippedExampleRuns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the example's access log is in /var/log/lwsws: run as root")
	}
	const logDir = "/var/log/lwsws"
	if _, err := os.Stat(logDir); os.IsNotExist(err) {
		if err := os.MkdirAll(logDir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(logDir) })
	} else {
		t.Cleanup(func() { os.Remove(filepath.Join(logDir, "test-access-log")) })
	}
	data := t.TempDir()
	site := filepath.Join(data, "libwebsockets-test-server")
	os.MkdirAll(site, 0o755)
	os.WriteFile(filepath.Join(site, "test.html"), []byte("<title>lws test</title>"), 0o644)

	cfg := &lwsws.Config{DataDir: data}
	if err := cfg.Load("testdata/lws-example/conf", "testdata/lws-example/conf.d"); err != nil {
		t.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil { // instead of eth0:7681
		t.Fatal(err)
	}
	srv, logged := newLogged(t, cfg)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, want := range []string{
		"ws-protocols.lws-meta: has no effect in golws: lws's plugin of that name is not part of golws",
		"ws-protocols.lws-server-status: has no effect in golws",
		"mounts[1].origin:", // server-status
		"mounts[2].origin:", // lws-cgi-test.sh
	} {
		if !strings.Contains(logged(), want) {
			t.Errorf("log lacks %q:\n%s", want, logged())
		}
	}

	base := "http://" + srv.Vhost("localhost").Addr().String()
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/", 200, "<title>lws test</title>"},
		{"GET", "/server-status", 404, ""},
		{"GET", "/testcgi", 404, ""},
		{"OPTIONS", "/formtest", 204, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
	http.DefaultClient.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http"), &websocket.DialOptions{Subprotocols: []string{"dumb-increment-protocol"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "0" {
		t.Fatalf("dumb-increment: %q, %v", msg, err)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}
