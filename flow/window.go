package flow

import (
	"errors"
	"fmt"
	"math"
)

// ErrWindowOverflow is returned by Window.Add when the peer grants credit that
// would take the window past its maximum. For HTTP/2 this is a flow-control
// protocol error of the peer's making.
var ErrWindowOverflow = errors.New("flow: window overflow")

// ErrWindowExhausted is returned by Window.Take when more is asked for than is
// available. Taking more than the window holds is a bug of the caller.
var ErrWindowExhausted = errors.New("flow: window exhausted")

// Window is transmit credit: a count of units (bytes, or whole writes) the
// sender may still send. Writes Take credit; the receiver's acknowledgements
// Add it back. A Window may be capped by a parent window (an HTTP/2 stream by
// its connection): the usable credit is the smaller of the two.
//
// Window is a plain value owned by one goroutine; it does no locking.
// The zero Window holds no credit, has no parent and uses Max math.MaxInt32.
type Window struct {
	n      int64
	max    int64 // 0 means math.MaxInt32
	parent *Window
}

// NewWindow returns a window holding n units of credit, never more than max
// (0 means math.MaxInt32); n is clamped to ±max. A non-nil parent caps what
// Available reports and is charged by Take as well.
func NewWindow(n, max int64, parent *Window) Window {
	w := Window{n: n, max: max, parent: parent}
	if lim := w.limit(); w.n > lim {
		w.n = lim
	} else if w.n < -lim {
		w.n = -lim
	}
	return w
}

func (w *Window) limit() int64 {
	if w.max <= 0 {
		return math.MaxInt32
	}
	return w.max
}

// Available is the credit that may be used now: the window's own, capped by
// every parent's. It is never negative.
func (w *Window) Available() int64 {
	n := w.n
	for p := w.parent; p != nil; p = p.parent {
		n = min(n, p.n)
	}
	return max(n, 0)
}

// Take uses n units of credit from the window and from its parents. It fails,
// taking nothing, when n is negative or more than Available.
func (w *Window) Take(n int64) error {
	if n < 0 {
		return fmt.Errorf("flow: take %d: negative", n)
	}
	if n > w.Available() {
		return fmt.Errorf("%w: take %d of %d", ErrWindowExhausted, n, w.Available())
	}
	for p := w; p != nil; p = p.parent {
		p.n -= n
	}
	return nil
}

// Add returns n units of credit to this window only (not its parents). It
// fails, adding nothing, when n is negative or the window would exceed its
// maximum. Use Adjust to shrink a window.
func (w *Window) Add(n int64) error {
	if n < 0 {
		return fmt.Errorf("flow: add %d: negative", n)
	}
	if w.exceeds(n) {
		return fmt.Errorf("%w: %d + %d > %d", ErrWindowOverflow, w.n, n, w.limit())
	}
	w.n += n
	return nil
}

// exceeds reports whether w.n+n > limit, for n >= 0, without the int64
// wrap-around that would let a huge n pass the check.
func (w *Window) exceeds(n int64) bool {
	if w.n < 0 {
		return w.n+n > w.limit() // negative plus non-negative cannot overflow
	}
	return n > w.limit()-w.n // w.n in [0, limit]: the difference is in range
}

// Adjust changes the window by delta, which may be negative (an HTTP/2
// SETTINGS_INITIAL_WINDOW_SIZE decrease can make a window negative). It fails,
// changing nothing, when the result would exceed the maximum.
func (w *Window) Adjust(delta int64) error {
	if delta > 0 && w.exceeds(delta) {
		return fmt.Errorf("%w: %d + %d > %d", ErrWindowOverflow, w.n, delta, w.limit())
	}
	if delta < 0 && w.belowFloor(delta) {
		return fmt.Errorf("%w: %d %d < -%d", ErrWindowOverflow, w.n, delta, w.limit())
	}
	w.n += delta
	return nil
}

// belowFloor reports whether w.n+delta < -limit, for delta < 0, without
// int64 wrap-around.
func (w *Window) belowFloor(delta int64) bool {
	if w.n > 0 {
		return w.n+delta < -w.limit() // positive plus negative cannot overflow
	}
	return delta < -w.limit()-w.n // w.n in [-limit, 0]: the difference is in range
}

// Credit is the window's own credit, which may be negative after Adjust.
func (w *Window) Credit() int64 { return w.n }
