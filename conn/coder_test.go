package conn_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestCoderWriterHoldsFragments shows why the engine writes its own frames
// after coder/websocket's handshake: through coder/websocket's message API a
// non-final fragment stays in its buffer until the message ends, so a
// stream of fragments reaches the peer all at once (invariant 10 needs each
// on the wire when it is written).
func TestCoderWriterHoldsFragments(t *testing.T) {
	closeMsg := make(chan struct{})
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		mw, err := ws.Writer(r.Context(), websocket.MessageText)
		if err != nil {
			return
		}
		mw.Write([]byte("first fragment"))
		<-closeMsg
		mw.Close()
	}))
	defer hs.Close()
	rc := dialRaw(t, &server{Server: hs}, "")

	rc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if f, err := rc.readFrame(); err == nil {
		t.Fatalf("coder/websocket sent fragment %q before the message ended; the engine's own writer may no longer be needed", f.payload)
	}
	close(closeMsg)
}
