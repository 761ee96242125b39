package flow

// Signal is a coalescing wake-up: any number of Notify calls made before the
// owner receives from C collapse into one delivery. Notify never blocks, so it
// is safe from any goroutine, including the owner's own.
//
// A Signal is a channel with a buffer of one; make it with NewSignal. The zero
// value is nil: Notify on it does nothing and C never fires.
type Signal chan struct{}

// NewSignal returns a ready Signal.
func NewSignal() Signal { return make(Signal, 1) }

// Notify records a wake-up if none is pending. It never blocks.
func (s Signal) Notify() {
	select {
	case s <- struct{}{}:
	default:
	}
}

// C is the channel the owner selects on. One receive consumes every Notify
// made since the previous receive.
func (s Signal) C() <-chan struct{} { return s }

// Pending reports whether a wake-up is waiting, consuming it if so. It is
// meant for the owner, who polls instead of selecting.
func (s Signal) Pending() bool {
	select {
	case <-s:
		return true
	default:
		return false
	}
}
