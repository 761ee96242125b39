package echo_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/plugins/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEchoKeepsTypeAndStreamsLargeMessages checks echo of every size class
// around the rx buffer, and that a message larger than it comes back whole.
func TestEchoKeepsTypeAndStreamsLargeMessages(t *testing.T) {
	v := lwstest.Serve(t, lws.VhostOptions{Protocols: []*lws.Protocol{echo.Protocol}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, lwstest.WS(v), &websocket.DialOptions{Subprotocols: []string{echo.Name}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(-1)
	for _, n := range []int{0, 1, echo.RxBufferSize - 1, echo.RxBufferSize, echo.RxBufferSize + 1, 5*echo.RxBufferSize + 7} {
		for _, typ := range []websocket.MessageType{websocket.MessageText, websocket.MessageBinary} {
			msg := bytes.Repeat([]byte{'e'}, n)
			if err := ws.Write(ctx, typ, msg); err != nil {
				t.Fatal(err)
			}
			gotTyp, got, err := ws.Read(ctx)
			if err != nil || gotTyp != typ || !bytes.Equal(got, msg) {
				t.Fatalf("%d bytes %v: got %d bytes %v, %v", n, typ, len(got), gotTyp, err)
			}
		}
	}
	ws.Close(websocket.StatusNormalClosure, "")
}
