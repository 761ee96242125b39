package conn_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// withParkAfter makes connections started during the test park after d.
func withParkAfter(t *testing.T, d time.Duration) {
	old := conn.ParkAfter
	conn.ParkAfter = d
	t.Cleanup(func() { conn.ParkAfter = old })
}

// TestIdleConnectionsHoldNoGoroutines checks invariant 12: idle WebSocket
// connections park, holding no goroutine, and come back to life for a
// message, a ping and the close.
func TestIdleConnectionsHoldNoGoroutines(t *testing.T) {
	withParkAfter(t, 20*time.Millisecond)
	const n = 50
	s := startServer(t, newEcho, conn.Options{PingInterval: 100 * time.Millisecond})
	before := runtime.NumGoroutine()
	clients := make([]*websocket.Conn, n)
	ctx := testCtx(t)
	for i := range clients {
		clients[i] = dial(t, s, nil)
	}
	// Each client's own reader answers pings in the background: the
	// server's pings wake its parked readers, and the pongs keep the
	// connections alive.
	for _, c := range clients {
		go func() {
			for {
				if _, _, err := c.Read(ctx); err != nil {
					return
				}
			}
		}()
	}
	// The clients' n readers are the goroutines this test adds; the
	// server's n connections must add none once parked (the watcher is
	// one goroutine for all).
	waitFor(t, "server connections to park", func() bool {
		return runtime.NumGoroutine()-before <= n+3
	})
	for range 3 { // survive several ping rounds while parked
		time.Sleep(150 * time.Millisecond) // the timing under test: pings while parked
		if s.set.Len() != n {
			t.Fatalf("%d of %d connections left while parked", s.set.Len(), n)
		}
	}
}

// TestParkedConnectionEchoes checks that a parked connection receives and
// answers as before, again and again.
func TestParkedConnectionEchoes(t *testing.T) {
	withParkAfter(t, 10*time.Millisecond)
	s := startServer(t, newEcho, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	for i := range 5 {
		time.Sleep(30 * time.Millisecond) // long enough to park
		msg := bytes.Repeat([]byte{byte('a' + i)}, 100+i*5000)
		if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("round %d: echo of %d bytes differs", i, len(msg))
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Fatalf("close after parking: %v", err)
	}
}
