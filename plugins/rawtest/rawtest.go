// Package rawtest is the raw-test protocol plugin of the lws test server
// (lws's protocol-lws-raw-test). It does two things, both through the
// engine's usual callbacks:
//
//   - Raw echo. A raw socket bound to the protocol — typically a telnet or
//     nc user on an HTTP port, through VhostOptions.RawFallback, or a
//     connection given to Vhost.AdoptConn or Vhost.AdoptListener — gets
//     every byte it sends back. One chunk is held at a time with rx off
//     until it has been written back (from Writeable), so a peer that sends
//     faster than it reads is slowed down by TCP. (A WebSocket client that
//     asks for the protocol gets the same echo.)
//
//   - FIFO. When the protocol is bound to a vhost whose per-vhost option
//     "fifo-path" (FIFOPathOption) is set, Init creates the FIFO there if
//     it does not exist (mode 0666 less the umask), opens it and adopts it
//     into the vhost (Vhost.AdoptFile). Whatever anyone writes into it —
//     `echo hello > /tmp/lws-test-raw` — is delivered through the engine,
//     logged at notice through the vhost's logger and handed to the
//     Options.FIFO hook. The FIFO is opened for reading and writing, so
//     writers may come and go. Run's shutdown closes it, and Destroy
//     removes the FIFO if Init created it. Any other file adopted into the
//     protocol (a pipe, a terminal) is treated the same way.
//
// Example:
//
//	c.NewVhost(lws.VhostOptions{
//		Listen:          "127.0.0.1:7681",
//		Protocols:       []*lws.Protocol{rawtest.Protocol},
//		ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: rawtest.DefaultFIFOPath}},
//		RawFallback:     &lws.RawFallback{Protocol: rawtest.Name},
//	})
//
// The FIFO is opened and adopted by NewVhost, before Run: data written
// into it before Run starts is delivered at once, and, like every adopted
// connection, it ends with Run's shutdown (or with Destroy, when NewVhost
// fails after binding the protocol).
package rawtest

import (
	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/plugins/echo"
	"github.com/golws/lws/raw"
)

// Name is the protocol's name.
const Name = "protocol-lws-raw-test"

// FIFOPathOption is the per-vhost option (lws pvo) naming the FIFO to
// create, open and adopt. Unset or empty means no FIFO.
const FIFOPathOption = "fifo-path"

// DefaultFIFOPath is where lws's raw-test plugin puts its FIFO; a
// suggestion for FIFOPathOption, not a default: without the option there is
// no FIFO.
const DefaultFIFOPath = "/tmp/lws-test-raw"

// Options configure a raw-test protocol made with New. The zero Options
// (or nil) only log what the FIFO receives.
type Options struct {
	// FIFO, if set, is called with each read of a file adopted into the
	// protocol (the FIFO of FIFOPathOption), after it has been logged. It
	// runs on that connection's callback goroutine, one call at a time;
	// data is valid only during the call. While it runs the file is not
	// read, so a slow hook slows down the writers (the FIFO fills up).
	FIFO func(vp *lws.VhostProtocol, data []byte)
}

// Protocol is the registered raw-test protocol, made with New(nil).
var Protocol = New(nil)

func init() { lws.Register(Protocol) }

// New returns a raw-test protocol named Name with the given options, for a
// program or test that wants the FIFO hook. Do not register it: Protocol
// is registered under the same name. A nil o means the zero Options.
func New(o *Options) *lws.Protocol {
	var opts Options
	if o != nil {
		opts = *o
	}
	return &lws.Protocol{
		Name:         Name,
		RxBufferSize: echo.RxBufferSize,
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
			if _, ok := c.Transport().(*raw.File); ok {
				return &fileSession{vp: vp, hook: opts.FIFO}
			}
			return new(echo.Session)
		},
		Init:    openFIFO,
		Destroy: closeFIFO,
	}
}
