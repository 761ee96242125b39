// Package client makes golws client connections, lws's client side: a
// WebSocket (ws, wss; over HTTP/1.1 or an HTTP/2 stream) or an HTTP request
// (http, https) whose connection runs in the engine of package conn like
// any server connection, with the same Session callbacks, rx flow control
// and earned writeables.
//
// Connect dials from a vhost of an lws.Server (lws_client_connect_via_info):
// the connection belongs to one of the vhost's protocols, and the Server's
// shutdown ends it. Dial and Run need no Server of one's own:
//
//	err := client.Run(ctx, &lws.Protocol{Name: "lws-echo", NewSession: newSession},
//		client.Options{URL: "ws://127.0.0.1:7681"})
//
// Either way the attempt is asynchronous: the session's Established runs
// once connected, or the attempt fails with a *ConnectError (to
// Options.ConnectionError, and from Wait). Options.Retry reconnects with
// backoff (lws's retry policy), Options.Pipeline shares connections
// (lws's LCCSCF_PIPELINE), Options.HTTP2 opens WebSockets over HTTP/2.
package client
