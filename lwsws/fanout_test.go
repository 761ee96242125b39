package lwsws_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/coder/websocket"

	_ "github.com/golws/lws/hub/natshub" // the "nats" backend
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/plugins/mirror"
)

// loadConfig writes conf to a directory and loads it, listening on any
// free loopback port.
func loadConfig(t *testing.T, conf string) *lwsws.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "site.json"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := lwsws.Load("", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ListenOn("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestFanoutOptionsReachProtocols: the global "fanout" object is given to
// every protocol under its own options, which win.
func TestFanoutOptionsReachProtocols(t *testing.T) {
	cfg := loadConfig(t, `{
  "global": { "log-level": "err", "fanout": { "ring-size": "64", "ring-policy": "drop" } },
  "vhosts": [{ "name": "a", "port": 7681, "interface": "127.0.0.1",
    "ws-protocols": [{ "lws-mirror-protocol": { "ring-policy": "block" } }, { "lws-echo": {} }] }]
}`)
	srv, err := lwsws.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := srv.Vhost("a")
	tests := []struct {
		protocol, key, want string
	}{
		{mirror.Name, "ring-size", "64"},
		{mirror.Name, "ring-policy", "block"}, // its own wins
		{"lws-echo", "ring-policy", "drop"},
	}
	for _, tt := range tests {
		if got := v.Protocol(tt.protocol).Options[tt.key]; got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.protocol, tt.key, got, tt.want)
		}
	}
}

// TestFanoutOverNATSFromJSON: two servers configured only by lwsws JSON,
// each with an embedded NATS server and a route to the other: a stroke
// drawn on one's mirror reaches the other's.
func TestFanoutOverNATSFromJSON(t *testing.T) {
	clusterA, clusterB := lwstest.FreeTCPPort(t), lwstest.FreeTCPPort(t)
	conf := func(name string, own, peer int) string {
		return fmt.Sprintf(`# a node of a two-node cluster
{
  "global": { "log-level": "err",
    "fanout": { "backend": "nats", "nats-name": %q,
      "nats-cluster-listen": "127.0.0.1:%d", "nats-routes": "127.0.0.1:%d" } },
  "vhosts": [{ "name": "localhost", "port": 7681, "interface": "127.0.0.1",
    "ws-protocols": [{ "lws-mirror-protocol": { "default": "1" } }] }]
}`, name, own, peer)
	}
	var urls []string
	for _, n := range []struct {
		name      string
		own, peer int
	}{{"a", clusterA, clusterB}, {"b", clusterB, clusterA}} {
		srv, err := lwsws.New(loadConfig(t, conf(n.name, n.own, n.peer)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		urls = append(urls, "ws://"+srv.Vhost("localhost").Addr().String()+"/?mirror=shared")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dial := func(url string) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{mirror.Name}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	a, b := dial(urls[0]), dial(urls[1])
	got := make(chan string, 64)
	go func() {
		for {
			_, msg, err := b.Read(ctx)
			if err != nil {
				return
			}
			got <- string(msg)
		}
	}()
	// Until the route and the subscriptions have spread, strokes may be
	// lost (NATS core delivers to the interest it knows): draw until one
	// arrives, then one more that must arrive.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for arrived := false; !arrived; {
		select {
		case <-tick.C:
			a.Write(ctx, websocket.MessageText, []byte("d #000000 0 0 1 1;"))
		case <-got:
			arrived = true
		case <-ctx.Done():
			t.Fatal("no stroke crossed from node a to node b")
		}
	}
	a.Write(ctx, websocket.MessageText, []byte("d #ff0000 1 2 3 4;"))
	for {
		select {
		case m := <-got:
			if m == "d #ff0000 1 2 3 4;" {
				return
			}
		case <-ctx.Done():
			t.Fatal("the stroke drawn on node a did not reach node b")
		}
	}
}
