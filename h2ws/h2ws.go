// Package h2ws turns on WebSockets over HTTP/2 (RFC 8441) in the program
// that imports it, for golws's servers and clients and every other
// net/http HTTP/2 server in the process:
//
//	import _ "github.com/golws/lws/h2ws"
//
// Go's HTTP/2 server announces SETTINGS_ENABLE_CONNECT_PROTOCOL and accepts
// extended CONNECT requests only when the environment's GODEBUG holds
// http2xconnect=1 as net/http initialises (Go 1.26 and 1.27 alike; a
// //go:debug line or a godebug directive in go.mod does not reach it, and
// golang.org/x/net/http2 wraps net/http's server since Go 1.27, so it has no
// switch of its own). This package adds http2xconnect=1 to GODEBUG in its
// init, which the language runs before net/http's: packages are initialised
// in the order of their import paths among those whose imports are done,
// and this one imports only os and strings, which net/http imports too, and
// sorts before "net/...". It leaves a GODEBUG that already names
// http2xconnect alone (http2xconnect=0 keeps the feature off).
//
// Programs started by this one (CGI scripts, for instance) inherit the
// setting. Setting GODEBUG=http2xconnect=1 in the environment before the
// program starts has the same effect without the import.
package h2ws

import (
	"os"
	"strings"
)

// Setting is what this package adds to GODEBUG.
const Setting = "http2xconnect=1"

func init() {
	v := os.Getenv("GODEBUG")
	if strings.Contains(v, "http2xconnect=") {
		return
	}
	if v != "" {
		v += ","
	}
	_ = os.Setenv("GODEBUG", v+Setting)
}
