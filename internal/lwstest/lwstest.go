// Package lwstest runs golws Servers inside tests: on loopback, quiet,
// and stopped (with Run's result checked) when the test ends.
package lwstest

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/logging"
)

// Quiet returns Options whose logger shows errors only.
func Quiet() *lws.Options {
	return &lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)}
}

// Run runs c until the test ends, then stops it and fails the test if Run
// returned an error or took more than 15 s to return.
func Run(t testing.TB, c *lws.Server) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not end within 15 s")
		}
	})
}

// Serve makes a quiet Server with one vhost described by o (listening on
// 127.0.0.1:0 unless o.Listen says otherwise) and runs it until the test
// ends.
func Serve(t testing.TB, o lws.VhostOptions) *lws.Vhost {
	t.Helper()
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	c := lws.New(Quiet())
	v, err := c.NewVhost(o)
	if err != nil {
		t.Fatal(err)
	}
	Run(t, c)
	return v
}

// WS is the ws:// (or wss://) URL of v.
func WS(v *lws.Vhost) string { return "ws" + strings.TrimPrefix(v.URL(), "http") }
