package conn

import (
	"fmt"
	"log/slog"
	"runtime/debug"
)

// PanicError is the cause of a close when a callback (or the session
// factory) panicked: the connection closes with 1011, the panic is logged
// with its stack, and the server keeps serving.
type PanicError struct {
	Callback string // "Receive", "Writeable", "Established", "Timer", "Closed" or "NewSession"
	Value    any
	Stack    []byte
}

// Error names the callback and the panic value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("conn: panic in %s: %v", e.Callback, e.Value)
}

// recovered turns a recovered panic value into a logged *PanicError.
func (c *Conn) recovered(callback string, v any) error {
	e := &PanicError{Callback: callback, Value: v, Stack: debug.Stack()}
	slog.Default().Error("conn: panic in callback", "callback", callback, "conn", c.id,
		"peer", c.info.RemoteAddr, "panic", fmt.Sprint(v), "stack", string(e.Stack))
	return e
}

// newSession calls the session factory, containing a panic.
func (c *Conn) newSession(f func(*Conn) Session) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.recovered("NewSession", v)
		}
	}()
	c.sess = f(c)
	if c.sess == nil {
		c.sess = NopSession{}
	}
	return nil
}

// receive runs the Receive callback, containing a panic.
func (c *Conn) receive(in Chunk) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.recovered("Receive", v)
		}
	}()
	return c.sess.Receive(c, in)
}

// writeable runs the Writeable callback with one write permitted,
// containing a panic. The caller holds own.
func (c *Conn) writeable() (err error) {
	defer func() {
		c.writeState.Store(notWriteable)
		if v := recover(); v != nil {
			err = c.recovered("Writeable", v)
		}
	}()
	c.writeState.Store(writeable)
	return c.sess.Writeable(c)
}

// established runs the Established callback, containing a panic.
func (c *Conn) established(h EstablishedHandler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.recovered("Established", v)
		}
	}()
	return h.Established(c)
}

// timer runs the Timer callback, containing a panic.
func (c *Conn) timer(h TimerHandler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.recovered("Timer", v)
		}
	}()
	return h.Timer(c)
}

// closed runs the Closed callback; a panic in it is logged.
func (c *Conn) closed(h ClosedHandler, cause error) {
	defer func() {
		if v := recover(); v != nil {
			c.recovered("Closed", v)
		}
	}()
	h.Closed(c, cause)
}
