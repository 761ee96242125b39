package mux

import (
	"context"
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
// h runs on a goroutine of its own, which ends with the handshake: the
// handler's goroutine, which waits as long as the WebSocket lives, then
// keeps the small stack it started with rather than the one the handshake
// grew. A panic in h is raised again, with its value, on the handler's
// goroutine, where net/http handles it as before; if h had hijacked the
// stream, the stream is closed first and the panic waits until nothing
// writes to it any more.
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
		// A context of our own, so that a panic after Hijack can end the
		// stream (Wait closes it once the request's context is done).
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		u, hr := conn.NewH2Upgrade(w, r.WithContext(ctx))
		if p := handshake(h, u, hr); p != nil {
			if u.Hijacked() {
				// The stream may have an owner still writing to it: close it
				// and wait until nothing does, before net/http, taking the
				// panic, ends the stream under it.
				cancel()
				u.Wait()
			}
			panic(p)
		}
		u.Wait()
	})
}

// handshake serves r with h on a goroutine of its own and waits for it,
// returning what h panicked with, if it did.
func handshake(h http.Handler, w http.ResponseWriter, r *http.Request) (panicked any) {
	done := make(chan any, 1)
	go func() {
		ok := false
		defer func() {
			if !ok {
				done <- recover()
			}
		}()
		h.ServeHTTP(w, r)
		ok = true
		done <- nil
	}()
	return <-done
}
