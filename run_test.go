package lws_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/listen"
)

// TestRunEdgeCases runs Servers in odd states: no vhosts, a context ended
// before Run, a second Run. Each Run must return by itself, release its
// port and leave nothing running (goleak checks the last).
func TestRunEdgeCases(t *testing.T) {
	ended := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}
	t.Run("no vhosts", func(t *testing.T) {
		c := lws.New(lwstest.Quiet())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.Run(ctx) }()
		c.Wake() // no protocols to wake: must not block
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ended context", func(t *testing.T) {
		c := lws.New(lwstest.Quiet())
		v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{rawEchoProtocol("raw-echo", "", nil)}})
		if err != nil {
			t.Fatal(err)
		}
		adopted, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if err := v.AdoptListener(adopted, "raw-echo"); err != nil {
			t.Fatal(err)
		}
		if err := v.DialRaw(context.Background(), adopted.Addr().String(), "raw-echo"); err != nil {
			t.Fatal(err)
		}
		h, err := client.Connect(v, client.Options{URL: "ws://" + adopted.Addr().String() + "/"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Run(ended()); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{v.Addr().String(), adopted.Addr().String()} {
			ln, err := net.Listen("tcp", a)
			if err != nil {
				t.Fatalf("%s still taken after Run: %v", a, err)
			}
			ln.Close()
		}
		select {
		case <-h.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("a client attempt outlived Run")
		}
		if err := c.Run(context.Background()); !errors.Is(err, lws.ErrStopped) {
			t.Fatalf("second Run: %v, want ErrStopped (the server has been closed)", err)
		}
		if err := v.DialRaw(context.Background(), "127.0.0.1:1", "raw-echo"); !errors.Is(err, lws.ErrStopped) {
			t.Fatalf("DialRaw after Run: %v, want ErrStopped", err)
		}
		if _, err := client.Connect(v, client.Options{URL: "ws://127.0.0.1:1/"}); !errors.Is(err, client.ErrShutdown) {
			t.Fatalf("Connect after Run: %v, want ErrShutdown", err)
		}
	})
}

// TestNewVhostFailureLeavesPortFree makes NewVhost fail at each of its
// steps on a free port: the port must be free afterwards, and the
// protocols whose Init ran must have been destroyed.
func TestNewVhostFailureLeavesPortFree(t *testing.T) {
	var inits, destroys int
	counted := func(name string, initErr error) *lws.Protocol {
		p := rawEchoProtocol(name, "", nil)
		p.Init = func(*lws.VhostProtocol) error {
			if initErr == nil {
				inits++ // a failed Init has nothing to destroy
			}
			return initErr
		}
		p.Destroy = func(*lws.VhostProtocol) { destroys++ }
		return p
	}
	tests := []struct {
		name string
		o    lws.VhostOptions
	}{
		{"init fails", lws.VhostOptions{Protocols: []*lws.Protocol{counted("a", nil), counted("b", errors.New("no"))}}},
		{"unknown fallback protocol", lws.VhostOptions{Protocols: []*lws.Protocol{counted("a", nil)}, RawFallback: &lws.RawFallback{Protocol: "x"}}},
		{"TLS without certificate", lws.VhostOptions{Protocols: []*lws.Protocol{counted("a", nil)}, TLS: &lws.TLSOptions{}}},
		{"no such interface", lws.VhostOptions{Protocols: []*lws.Protocol{counted("a", nil)}, Listener: &listen.Options{Interface: "no-such-if0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inits, destroys = 0, 0
			probe, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := probe.Addr().String()
			probe.Close()
			tt.o.Listen = addr
			if _, err := lws.New(lwstest.Quiet()).NewVhost(tt.o); err == nil {
				t.Fatal("NewVhost succeeded")
			}
			if inits != destroys {
				t.Errorf("%d Init, %d Destroy", inits, destroys)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				t.Fatalf("port still taken: %v", err)
			}
			ln.Close()
		})
	}
}
