package conn

import "time"

// TimerHandler is implemented by Sessions that use SetTimer: Timer runs when
// the connection's timer expires (lws's LWS_CALLBACK_TIMER), serialized
// with the other callbacks like any of them. Returning an error closes the
// connection.
type TimerHandler interface {
	Timer(c *Conn) error
}

// SetTimer arms the connection's timer (lws_set_timer_usecs): after d the
// Session's Timer callback runs, in step with Receive and Writeable, so it
// needs no lock. Setting it again replaces the previous timer, d <= 0
// cancels it, and it is cancelled when the connection closes. It is safe
// from any goroutine and never blocks.
func (c *Conn) SetTimer(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.userTimer != nil {
		c.userTimer.Stop()
		c.userTimer = nil
	}
	c.timerGen++
	c.timerDue = false // a timer that fired and was not served yet is cancelled too
	if d <= 0 || c.ending {
		return
	}
	gen := c.timerGen
	c.userTimer = time.AfterFunc(d, func() { c.timerFired(gen) })
}

// timerFired runs on the timer's goroutine: it hands the callback to the
// service goroutine, unless the timer was set again meanwhile.
func (c *Conn) timerFired(gen uint64) {
	c.mu.Lock()
	due := gen == c.timerGen && !c.ending
	if due {
		c.timerDue = true
	}
	c.mu.Unlock()
	if due {
		c.post(evTimer)
	}
}

// runTimer runs the Timer callback if the timer is still due.
func (c *Conn) runTimer() {
	c.mu.Lock()
	due := c.timerDue
	c.timerDue = false
	c.mu.Unlock()
	h, ok := c.sess.(TimerHandler)
	if !due || !ok {
		return
	}
	c.acquire()
	defer c.release()
	if c.stopped {
		return
	}
	if err := c.timer(h); err != nil {
		c.stop(err)
	}
}
