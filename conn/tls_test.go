package conn_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// TestTLSStreamWithPings streams small messages over TLS, where every write
// waits in the Outbox for the service goroutine, while the client pings as
// fast as it can: pongs and data frames must never corrupt each other.
func TestTLSStreamWithPings(t *testing.T) {
	set := new(conn.Set)
	n := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr, err := conn.AcceptWebSocket(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		conn.Start(tr, nil, func(*conn.Conn) conn.Session {
			return &funcSession{
				established: func(c *conn.Conn) error { c.RequestWritable(); return nil },
				writeable: func(c *conn.Conn) error {
					n++
					c.RequestWritable()
					return c.Write(conn.Text, fmt.Appendf(nil, "m%d", n))
				},
			}
		}, &conn.Options{Set: set})
	}))
	t.Cleanup(func() {
		srv.Close()
		set.CloseAll(conn.StatusGoingAway, "")
		if err := set.Wait(testCtx(t)); err != nil {
			t.Error(err)
		}
	})
	ctx := testCtx(t)
	c, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https"), &websocket.DialOptions{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	var wg sync.WaitGroup
	pctx, stop := context.WithCancel(ctx)
	for range 4 {
		wg.Go(func() {
			for pctx.Err() == nil {
				c.Ping(pctx)
			}
		})
	}
	defer func() { stop(); wg.Wait() }()
	deadline := time.Now().Add(time.Second)
	for i := 1; time.Now().Before(deadline); i++ {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if string(b) != fmt.Sprintf("m%d", i) {
			t.Fatalf("message %d: got %q", i, b)
		}
	}
}
