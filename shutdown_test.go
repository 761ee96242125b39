package lws_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
)

// closedSession records when its connection's Closed runs.
type closedSession struct {
	conn.NopSession
	closed func()
}

func (s *closedSession) Closed(*conn.Conn, error) { s.closed() }

// TestShutdownTimeoutCutsConnectionsOff has a WebSocket peer that never
// answers the close frame: once ShutdownTimeout has passed, Run must cut
// the connection off and wait for it, so that every Closed has run before
// the protocol's Destroy and before Run returns.
func TestShutdownTimeoutCutsConnectionsOff(t *testing.T) {
	var mu sync.Mutex
	var events []string
	record := func(e string) {
		mu.Lock()
		events = append(events, e)
		mu.Unlock()
	}
	established := make(chan struct{}, 1)
	p := &lws.Protocol{
		Name: "mute",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			established <- struct{}{}
			return &closedSession{closed: func() { record("closed") }}
		},
		Destroy: func(*lws.VhostProtocol) { record("destroy") },
	}
	o := lwstest.Quiet()
	o.ShutdownTimeout = 200 * time.Millisecond
	c := lws.New(o)
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	// A peer that upgrades and then neither reads nor answers.
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req, _ := http.NewRequest("GET", lwstest.WS(v)+"/", nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Sec-WebSocket-Protocol", "mute")
	req.URL.Scheme = "http"
	if err := req.Write(nc); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), req)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	<-established

	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Run took %v to return with a ShutdownTimeout of 200ms", d)
	}
	mu.Lock()
	got := append([]string(nil), events...)
	mu.Unlock()
	if len(got) != 2 || got[0] != "closed" || got[1] != "destroy" {
		t.Fatalf("events when Run returned: %v, want [closed destroy]", got)
	}
}
