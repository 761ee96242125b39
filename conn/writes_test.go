package conn_test

import (
	"errors"
	"testing"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// TestWriteFromOtherGoroutine checks invariant 2 from outside the callbacks:
// a write another goroutine makes while no Writeable callback runs fails
// with ErrNotWriteable and sends nothing. (A write racing a running
// Writeable callback takes that callback's one permission instead; Go gives
// no cheap way to tell goroutines apart, so the engine does not try.)
func TestWriteFromOtherGoroutine(t *testing.T) {
	errs := make(chan error, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		return &funcSession{
			established: func(c *conn.Conn) error {
				go func() { errs <- c.Write(conn.Text, []byte("from elsewhere")) }()
				return nil
			},
			receive: func(c *conn.Conn, in conn.Chunk) error {
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error { return c.Write(conn.Text, []byte("own")) },
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	if err := <-errs; !errors.Is(err, conn.ErrNotWriteable) {
		t.Fatalf("write from another goroutine: %v, want ErrNotWriteable", err)
	}
	c.Write(ctx, websocket.MessageText, []byte("go"))
	if typ, got, err := c.Read(ctx); err != nil || typ != websocket.MessageText || string(got) != "own" {
		t.Fatalf("read %v %q, %v; want the callback's message only", typ, got, err)
	}
}
