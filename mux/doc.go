// Package mux is golws's HTTP side: http.Handlers that upgrade WebSocket
// requests into connections of the conn engine, choosing the protocol by
// Sec-WebSocket-Protocol or the vhost's default, and pass other requests to
// the vhost's HTTP handler.
//
// Mounts map URL space to handlers; FileMount serves an fops.FS (a
// directory, a zip archive, an overlay) with lws's default document, MIME
// and cache rules. Errors are answered by Vhost.Error: a redirect to the
// vhost's 404 document, or a small page linking /error.css. Every vhost
// serves /lws-common.js (CommonJS) and /error.css (ErrorCSS) unless a mount
// has its own.
//
// A Vhost is an ordinary http.Handler, so it mounts into any net/http server
// and composes with its middleware.
//
// Mounts bind parts of a vhost's URL space to handlers, as lws mounts do:
// CGI (NewCGI), redirects (NewRedirect, and HTTPSRedirect for a whole
// plain-http listener), reverse proxies (NewProxy) and callback mounts
// (Callback), whose requests become connections of the engine.
//
// # Concurrency
//
// A Vhost may serve any number of requests at once. Its fields must not be
// changed once it serves. An upgraded connection's handler goroutine returns
// as soon as the connection is started: the connection lives on in the
// engine's goroutine pair. A callback mount's handler goroutine, by
// contrast, stays until its connection has ended, since the ResponseWriter
// is valid only while ServeHTTP runs.
package mux
