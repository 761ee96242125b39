package client_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// greeter sends "hello" when it may and closes normally on the echo,
// handing what it got to got.
type greeter struct {
	got  chan<- string
	sent bool
}

func (g *greeter) Established(c *conn.Conn) error { c.RequestWritable(); return nil }

func (g *greeter) Writeable(c *conn.Conn) error {
	if g.sent {
		return nil
	}
	g.sent = true
	return c.Write(conn.Text, []byte("hello"))
}

func (g *greeter) Receive(c *conn.Conn, in conn.Chunk) error {
	g.got <- string(in.Data)
	c.Close(conn.StatusNormal, "")
	return nil
}

func greeterProtocol(got chan<- string) *lws.Protocol {
	return &lws.Protocol{
		Name:       echo.Name,
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &greeter{got: got} },
	}
}

var quiet = logging.NewLogger(nil, logging.LevelErr+1)

func echoServer(t *testing.T) string {
	return lwstest.WS(lwstest.Serve(t, lws.VhostOptions{Protocols: []*lws.Protocol{echo.Protocol}}))
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestRun(t *testing.T) {
	url := echoServer(t)
	tests := []struct {
		name    string
		url     string
		wantErr func(error) bool
		echo    bool
	}{
		{"echo then normal close", url, func(err error) bool { return err == nil }, true},
		{"refused", "ws://" + closedPort(t), func(err error) bool {
			var ce *client.ConnectError
			return errors.As(err, &ce) && ce.Failure == client.ConnectRefused
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got := make(chan string, 1)
			err := client.Run(ctx, greeterProtocol(got), client.Options{
				URL: tt.url, ConnectionError: func(*client.Client, error) {}, Logger: quiet,
			})
			if !tt.wantErr(err) {
				t.Fatalf("Run: %v", err)
			}
			if tt.echo {
				if g := <-got; g != "hello" {
					t.Fatalf("echo %q", g)
				}
			}
		})
	}
}

// TestRunContextEnds: a client whose context ends is closed, and Run
// returns the context's error once the connection is gone.
func TestRunContextEnds(t *testing.T) {
	url := echoServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	established := make(chan struct{})
	p := &lws.Protocol{Name: echo.Name, NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
		return &idle{established: established}
	}}
	errc := make(chan error, 1)
	go func() {
		errc <- client.Run(ctx, p, client.Options{URL: url, Logger: quiet})
	}()
	select {
	case <-established:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// idle says nothing; it tells when it is established.
type idle struct{ established chan struct{} }

func (s *idle) Established(*conn.Conn) error         { close(s.established); return nil }
func (s *idle) Receive(*conn.Conn, conn.Chunk) error { return nil }
func (s *idle) Writeable(*conn.Conn) error           { return nil }
func (s *idle) Closed(*conn.Conn, error)             {}

// TestDialClose: Close of a client whose connection is up ends it with
// 1000; Wait then sees the protocol's Destroy done, and no goroutine is
// left behind.
func TestDialClose(t *testing.T) {
	url := echoServer(t)
	established := make(chan struct{})
	destroyed := make(chan struct{})
	p := &lws.Protocol{
		Name:       echo.Name,
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &idle{established: established} },
		Destroy:    func(*lws.VhostProtocol) { close(destroyed) },
	}
	c, err := client.Dial(p, client.Options{URL: url, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-established:
	case <-time.After(10 * time.Second):
		t.Fatal("no connection")
	}
	c.Close()
	if err := c.Wait(); err != nil {
		t.Fatalf("Wait after Close: %v, want nil (a normal closure)", err)
	}
	select {
	case <-destroyed:
	default:
		t.Fatal("Wait returned before the protocol's Destroy ran")
	}
}

func TestDialErrors(t *testing.T) {
	tests := []struct {
		name string
		p    *lws.Protocol
		url  string
		want string
	}{
		{"no protocol", nil, "ws://127.0.0.1:1", "client: no protocol"},
		{"bad scheme", greeterProtocol(nil), "ftp://127.0.0.1:1", "scheme must be ws, wss, http or https"},
		{"no host", greeterProtocol(nil), "ws:///path", "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Dial(tt.p, client.Options{URL: tt.url, Logger: quiet})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Dial: %v, want %q", err, tt.want)
			}
		})
	}
}
