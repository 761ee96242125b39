package mux_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/golws/lws/mux"
)

// TestH2WebSocketsHandshakePanic: a panic in the handler taking a
// WebSocket over HTTP/2 reaches net/http on the handler's goroutine with
// its value, as it would without H2WebSockets (http.ErrAbortHandler too).
func TestH2WebSocketsHandshakePanic(t *testing.T) {
	errBoom := errors.New("boom")
	for _, value := range []any{errBoom, http.ErrAbortHandler} {
		h := mux.H2WebSockets(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Upgrade") != "websocket" {
				t.Errorf("the handler got %v, not an upgrade request", r.Header)
			}
			panic(value)
		}))
		r := httptest.NewRequest(http.MethodConnect, "https://example.com/", nil)
		r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
		r.Header.Set(":protocol", "websocket")
		got := func() (p any) {
			defer func() { p = recover() }()
			h.ServeHTTP(httptest.NewRecorder(), r)
			return nil
		}()
		if got != value {
			t.Fatalf("panic %v, want %v", got, value)
		}
	}
}
