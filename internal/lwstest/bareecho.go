package lwstest

import (
	"context"
	"net/http"

	"github.com/coder/websocket"
)

// BareEcho is the baseline the benchmarks compare golws with: a WebSocket
// echo on coder/websocket on its own, one handler goroutine per connection
// reading each whole message and writing it back.
func BareEcho(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	ctx := context.Background()
	for {
		typ, b, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, b); err != nil {
			return
		}
	}
}
