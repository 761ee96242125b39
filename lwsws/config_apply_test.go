package lwsws_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/lwsws"
	_ "github.com/golws/lws/plugins/echo"
)

func TestNewFromConfigServes(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "www"), 0o755)
	os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("<p>configured</p>"), 0o644)
	port := lwstest.FreeTCPPort(t)
	conf := fmt.Sprintf(`{
  "global": { "log-level": "err", "ws-pingpong-secs": "20" },
  "vhosts": [{
    "name": "localhost", "port": %d, "interface": "127.0.0.1",
    "mounts": [
      { "mountpoint": "/", "origin": "file://www", "default": "index.html",
        "cache-max-age": "60", "cache-reuse": "1" },
      { "mountpoint": "/old", "origin": ">https://example.com/new" }
    ],
    "ws-protocols": [{ "lws-echo": { "default": "1" } }]
  }]
}`, port)
	file := filepath.Join(dir, "site.json")
	os.WriteFile(file, []byte(conf), 0o644)
	cfg, err := lwsws.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := lwsws.New(cfg, &lwsws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "<p>configured</p>" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=60") {
		t.Fatalf("GET /: %q %v", body, resp.Header)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.Get(base + "/old/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "https://example.com/new/page" {
		t.Fatalf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte("from config"))
	if _, b, err := ws.Read(ctx); err != nil || string(b) != "from config" {
		t.Fatalf("echo: %q %v", b, err)
	}
	ws.Close(websocket.StatusNormalClosure, "")
}

func TestNewFromConfigErrors(t *testing.T) {
	tests := []struct {
		name, vhost, want string
	}{
		{"unknown protocol", `"ws-protocols": [{"no-such-protocol": {}}]`,
			"site.json:2: vhosts[0].ws-protocols.no-such-protocol: no protocol plugin of that name (registered: "},
		{"raw fallback to an unknown protocol", `"listen-accept-role": "raw-skt", "listen-accept-protocol": "nope", "fallback-listen-accept": "1"`,
			"vhosts[0]: RawFallback.Protocol: lws: no such protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := fmt.Sprintf("{\"vhosts\": [{\"name\": \"a\", \"port\": %d, \"interface\": \"127.0.0.1\",\n%s}]}", lwstest.FreeTCPPort(t), tt.vhost)
			var cfg lwsws.Config
			if err := cfg.Parse("site.json", []byte(conf)); err != nil {
				t.Fatal(err)
			}
			_, err := lwsws.New(&cfg, nil)
			var ce *lwsws.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestMissingOriginsAndLwsPlugins: as lwsws, a configuration whose mount
// origins are missing (a directory, a CGI script) or that names lws
// plugins golws does not have starts with a warning for each: those mounts
// answer 404, the rest serves.
func TestMissingOriginsAndLwsPlugins(t *testing.T) {
	dir := t.TempDir()
	conf := `{ "vhosts": [{ "name": "a", "port": 7681, "interface": "127.0.0.1",
  "mounts": [{ "mountpoint": "/", "origin": "file:///does/not/exist" },
             { "mountpoint": "/cgi", "origin": "cgi:///does/not/exist.sh" }],
  "ws-protocols": [{ "lws-server-status": {} }, { "lws-echo": { "default": "1" } }] }] }`
	os.WriteFile(filepath.Join(dir, "site.json"), []byte(conf), 0o644)
	cfg, err := lwsws.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	srv, logged := newLogged(t, cfg)
	lwstest.Run(t, srv)
	for _, want := range []string{
		"vhosts[0].mounts[0].origin: open /does/not/exist: no such file or directory; the mount answers 404",
		"stat /does/not/exist.sh: no such file or directory; the mount answers 404",
		"vhosts[0].ws-protocols.lws-server-status: has no effect in golws",
	} {
		if !strings.Contains(logged(), want) {
			t.Errorf("log lacks %q:\n%s", want, logged())
		}
	}
	for _, path := range []string{"/", "/cgi"} {
		resp, err := http.Get("http://" + srv.Vhost("a").Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+srv.Vhost("a").Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte("still serving"))
	if _, b, err := ws.Read(ctx); err != nil || string(b) != "still serving" {
		t.Fatalf("echo: %q, %v", b, err)
	}
}

// TestNewFromConfigFailureClosesListeners makes a configuration whose
// first vhost opens a listener and whose second fails: NewFromConfig
// returns no Server, so the first vhost's port must be free again.
func TestNewFromConfigFailureClosesListeners(t *testing.T) {
	tests := []struct{ name, second string }{
		{"unknown plugin", `"ws-protocols": [{"no-such-protocol": {}}]`},
		{"vhost refused", `"listen-accept-role": "raw-skt", "listen-accept-protocol": "nope", "fallback-listen-accept": "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second := lwstest.FreeTCPPort(t), lwstest.FreeTCPPort(t)
			conf := fmt.Sprintf(`{"vhosts": [
 {"name": "a", "port": %d, "interface": "127.0.0.1", "ws-protocols": [{"lws-echo": {}}]},
 {"name": "b", "port": %d, "interface": "127.0.0.1", %s}]}`, first, second, tt.second)
			var cfg lwsws.Config
			if err := cfg.Parse("site.json", []byte(conf)); err != nil {
				t.Fatal(err)
			}
			if _, err := lwsws.New(&cfg, &lwsws.Options{}); err == nil {
				t.Fatal("NewFromConfig succeeded")
			}
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", first))
			if err != nil {
				t.Fatalf("the first vhost's port is still taken: %v", err)
			}
			ln.Close()
		})
	}
}
