// Package examples holds golws's example programs, one main package per
// directory; each has a test that starts it and talks to it. Every server
// takes -addr and prints "listening on URL" once it serves; the WebSocket
// and HTTP clients take -url, raw-client takes -connect (a TCP address).
// ws-duplex is both: -mode both|server|client.
// http-server-sse also takes -interval, -max and -retry for its event stream.
package examples
