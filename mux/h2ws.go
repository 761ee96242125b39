package mux

import (
	"net/http"

	"github.com/golws/lws/conn"
)

// H2WebSockets lets h take WebSockets opened over HTTP/2 (RFC 8441) as it
// takes HTTP/1.1 upgrades: an extended CONNECT for "websocket" reaches h
// as an upgrade request, with a response writer whose Hijack hands over the
// stream (conn.NewH2Upgrade), and the handler's goroutine then waits for the
// WebSocket to end, as an HTTP/2 stream lives as long as its handler. h is
// a Vhost, Hosts or any handler that upgrades with conn.AcceptWebSocket or
// coder/websocket's Accept. Other :protocol values are refused with 501.
// Everything else goes to h unchanged.
//
// golws's listeners, lws.Server.Handler and lws.Vhost apply it; a program
// mounting a mux.Vhost or Hosts directly wraps them with it. Either way Go's
// HTTP/2 server offers extended CONNECT only in a program that imports
// github.com/golws/lws/h2ws (see there).
func H2WebSockets(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !conn.IsExtendedConnect(r) {
			h.ServeHTTP(w, r)
			return
		}
		if !conn.IsWebSocketConnect(r) {
			http.Error(w, "unsupported :protocol "+r.Header.Get(":protocol"), http.StatusNotImplemented)
			return
		}
		u, hr := conn.NewH2Upgrade(w, r)
		h.ServeHTTP(u, hr)
		u.Wait()
	})
}
