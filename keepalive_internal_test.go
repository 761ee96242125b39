package lws

import (
	"io"
	"testing"
	"time"

	"github.com/golws/lws/logging"
)

// TestKeepAliveTimeoutDefaultAndShared: a listener's HTTP server keeps 5 s
// by default, and the largest keep-alive timeout of the vhosts sharing it
// (none if one of them has none).
func TestKeepAliveTimeoutDefaultAndShared(t *testing.T) {
	c := New(&Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	defer c.Close()
	mk := func(name, listen string, d time.Duration) *Vhost {
		t.Helper()
		v, err := c.NewVhost(VhostOptions{Name: name, Listen: listen, KeepAliveTimeout: d})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	def := mk("default", "127.0.0.1:0", 0)
	shared := mk("a", "127.0.0.1:0", 2*time.Second)
	mk("b", shared.Addr().String(), 0) // 5 s: the largest
	mk("c", shared.Addr().String(), 3*time.Second)
	unlimited := mk("d", "127.0.0.1:0", time.Second)
	mk("e", unlimited.Addr().String(), -1)
	for _, tt := range []struct {
		v    *Vhost
		want time.Duration
	}{{def, DefaultKeepAliveTimeout}, {shared, 5 * time.Second}, {unlimited, -1}} {
		if got := tt.v.ln.server(c).IdleTimeout; got != tt.want {
			t.Errorf("vhost %q: IdleTimeout %v, want %v", tt.v.name, got, tt.want)
		}
	}
	if DefaultKeepAliveTimeout != 5*time.Second {
		t.Errorf("DefaultKeepAliveTimeout %v, want lws's 5 s", DefaultKeepAliveTimeout)
	}
}
