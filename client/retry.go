package client

import (
	"math/rand/v2"
	"time"
)

// DefaultRetryDelays is Retry.Delays when left empty: lws's usual backoff,
// from a quick first retry to one every 10 s.
var DefaultRetryDelays = []time.Duration{
	250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
}

// Retry makes a WebSocket client reconnect (lws's lws_retry_bo_t): after a
// failed attempt, and after an established connection ends for any reason
// other than Client.Close or shutdown — the server going away, a network
// error, or a validity ping (Protocol.PingInterval) that found the server
// silent — the client waits and tries again. Each new connection gets a
// new session from the protocol's NewSession, so the session sees
// Established again.
type Retry struct {
	// Delays is the backoff table: the nth consecutive retry waits
	// Delays[n], the last entry repeating. Empty means
	// DefaultRetryDelays. A connection that was established resets the
	// count.
	Delays []time.Duration
	// Jitter adds up to this percentage of each delay at random, so that
	// many clients of one server do not retry in step.
	Jitter int
	// Conceal is how many consecutive failed attempts pass before
	// ConnectionError is told of them (lws's conceal_count); every one
	// after is reported. Zero reports every failure.
	Conceal int
	// Limit, when positive, is how many consecutive failed attempts the
	// client makes before it gives up: Done is closed with the last error.
	// Zero means it never gives up.
	Limit int
	// OnRetry, if set, is called on the client's goroutine each time a
	// retry is scheduled, with the retry's number in the current run of
	// failures (1 for the first retry after a failed attempt or a lost
	// connection), its delay and what ended the previous attempt or
	// connection.
	OnRetry func(h *Client, attempt int, delay time.Duration, err error)
}

// delay is the wait before retry n (0-based), with jitter.
func (r *Retry) delay(n int) time.Duration {
	delays := r.Delays
	if len(delays) == 0 {
		delays = DefaultRetryDelays
	}
	d := delays[min(n, len(delays)-1)]
	if r.Jitter > 0 && d > 0 {
		d += time.Duration(rand.Int64N(int64(d) * int64(r.Jitter) / 100))
	}
	return d
}

// runRetrying is the client's goroutine when it reconnects: attempts,
// connections and the waits between them, until Close, shutdown or Limit.
func (h *Client) runRetrying() {
	r := h.opts.Retry
	fails := 0
	first := true
	for {
		c, err := h.dialWebSocket()
		h.attempted(c, err)
		if c != nil {
			fails = 0
			if first {
				first = false
				close(h.done)
			}
			select { // the connection ends on its own, or Close/shutdown ends it
			case <-c.Done():
			case <-h.ctx.Done():
				<-c.Done()
			}
			err = c.Err()
			h.mu.Lock()
			h.conn = nil
			h.mu.Unlock()
		} else {
			fails++
			if fails > r.Conceal || h.ctx.Err() != nil || (r.Limit > 0 && fails >= r.Limit) {
				h.report(err)
			}
		}
		if h.ctx.Err() != nil || (r.Limit > 0 && fails >= r.Limit) {
			h.mu.Lock()
			h.err = err
			h.mu.Unlock()
			if first {
				close(h.done)
			}
			return
		}
		d := r.delay(max(fails-1, 0))
		if r.OnRetry != nil {
			r.OnRetry(h, max(fails, 1), d, err)
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-h.ctx.Done():
			t.Stop()
		}
	}
}
