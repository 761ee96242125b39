// Package postdemo is the post-demo protocol plugin of the lws test server
// (lws's protocol-post-demo), the target of a callback mount: bound with
// lws.CallbackMount, every request under the mount becomes a connection of
// the protocol, whose session reads the body through Receive and answers
// from Writeable.
//
// It takes POSTs of urlencoded forms and multipart/form-data uploads. A
// multipart body is parsed as it arrives: the session hands each chunk to
// the parser and keeps rx off until the parser has used it, so a file of
// any size costs one chunk (RxBufferSize) of memory and a client that sends
// faster than the parser reads is slowed down by TCP. The answer is JSON
// (see Answer): the fields, and for each file its field, name, size and
// SHA-256.
//
//	v, err := c.NewVhost(lws.VhostOptions{
//		Protocols: []*lws.Protocol{postdemo.Protocol},
//		Mounts:    []mux.Mount{lws.CallbackMount("/formtest", postdemo.Name)},
//		...
//	})
//
// OPTIONS is answered 204 with an Allow header (a page may probe with it),
// other methods 405 (with Allow), other content types 415, malformed
// bodies 400 and bodies past the limits (MaxURLEncoded, MaxField,
// MaxParts, MaxPartHeader) 413, each with an Answer whose Error says why.
package postdemo

import (
	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// Name is the protocol's name, the one a callback mount names.
const Name = "protocol-post-demo"

// RxBufferSize bounds each chunk of a body handed to the session.
const RxBufferSize = 16 << 10

// Protocol is the registered post-demo protocol.
var Protocol = &lws.Protocol{
	Name:         Name,
	RxBufferSize: RxBufferSize,
	NewSession:   func(*lws.VhostProtocol, *conn.Conn) conn.Session { return new(session) },
}

func init() { lws.Register(Protocol) }
