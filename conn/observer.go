package conn

import "time"

// Observer receives a connection's life events, for instrumentation such as
// metrics (package github.com/golws/lws/metrics exports them to Prometheus).
// Set it in Options.Observer; nil costs one nil check per event.
//
// Its methods are called synchronously from the connection's goroutines —
// Received by the reader, Sent by the writer inside Writeable — so they must
// be fast and must not block, and they may run concurrently for different
// connections (and, for one connection, ConnOpened aside, concurrently with
// each other). They must not call back into the connection's callbacks.
type Observer interface {
	// ConnOpened is called once Start has made the connection's Session,
	// before any callback, in the goroutine that called Start.
	ConnOpened(c *Conn)
	// ConnClosed is called once per opened connection, after its Closed
	// callback and before it leaves its Set, with the close code the
	// engine sent for cause (see CloseCode) and the cause itself (the
	// error the Closed callback received, nil for a clean local close).
	ConnClosed(c *Conn, code StatusCode, cause error)
	// Received is called for each chunk of input, before Receive runs,
	// with its payload size (after decompression) and whether it ends a
	// message.
	Received(c *Conn, n int, messageEnded bool)
	// Sent is called for each write a Writeable callback makes that the
	// transport took or the engine holds, with the payload size and
	// whether it ends a message (a datagram always does).
	Sent(c *Conn, n int, messageEnded bool)
}

// FlowObserver may be implemented by an Observer that also wants the
// connection's flow-control waits. Start checks for it once.
type FlowObserver interface {
	// RxOff is called when reception is turned back on (SetRx(true)) after
	// being off for d.
	RxOff(c *Conn, d time.Duration)
	// SendWait is called when output the transport could not take at once
	// has drained, d after it began to wait: the time the connection was
	// busy and no Writeable could run.
	SendWait(c *Conn, d time.Duration)
}

// CloseCode is the WebSocket close code the engine sends when a connection
// ends because of err: 1000 for nil, the code of a *CloseError, 1007 for
// invalid UTF-8, 1002 for protocol errors, 1009 for a message too big,
// 1008 for a timeout and 1011 for anything else.
func CloseCode(err error) StatusCode {
	code, _ := closeCodeFor(err)
	return code
}

// rxOff records that reception was turned off; the caller has a
// FlowObserver.
func (c *Conn) rxOff() {
	c.rxOffAt.CompareAndSwap(0, time.Now().UnixNano())
}

// rxOn reports the time reception was off, if it was.
func (c *Conn) rxOn() {
	if t := c.rxOffAt.Swap(0); t != 0 {
		c.cfg.flowObs.RxOff(c, time.Duration(time.Now().UnixNano()-t))
	}
}

// busySince records that output began to wait; the caller has a
// FlowObserver.
func (c *Conn) busySince() {
	c.busyAt.CompareAndSwap(0, time.Now().UnixNano())
}

// drained reports the time output waited, if it did.
func (c *Conn) drained() {
	if t := c.busyAt.Swap(0); t != 0 {
		c.cfg.flowObs.SendWait(c, time.Duration(time.Now().UnixNano()-t))
	}
}
