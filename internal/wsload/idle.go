//go:build linux

package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"
)

// IdleResult is what -mode idle reports: the server's VmRSS (KiB) and open
// files before any connection, then for each wave with all its connections
// up and after they are closed.
type IdleResult struct {
	Mode      string  `json:"mode"`
	Conns     int     `json:"conns"`
	Sources   int     `json:"sources"`
	RSSBefore int64   `json:"rss_before_kb"`
	FDsBefore int     `json:"fds_before"`
	Waves     []Wave  `json:"waves"`
	PerConnKB float64 `json:"per_conn_kb"` // first wave: (RSS up − RSSBefore) / Conns
}

// Wave is the server's state with one wave of connections up, then closed.
type Wave struct {
	RSSUp     int64         `json:"rss_up_kb"`
	FDsUp     int           `json:"fds_up"`
	RSSClosed int64         `json:"rss_closed_kb"`
	FDsClosed int           `json:"fds_closed"`
	Dial      time.Duration `json:"dial_ns"` // time to open the wave's connections
}

// String is the readable line printed without -json.
func (r IdleResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "idle %d conns from %d addresses: RSS before %d KiB (%d fds)", r.Conns, r.Sources, r.RSSBefore, r.FDsBefore)
	for i, w := range r.Waves {
		fmt.Fprintf(&b, "; wave %d: up %d KiB (%d fds), closed %d KiB (%d fds)", i+1, w.RSSUp, w.FDsUp, w.RSSClosed, w.FDsClosed)
	}
	fmt.Fprintf(&b, "; %.2f KiB per connection", r.PerConnKB)
	return b.String()
}

// dialParallel bounds the handshakes in progress at once.
const dialParallel = 64

// runIdle opens cfg.waves waves of cfg.conns idle connections, one after
// the other, reading the server's memory with each wave up and closed.
func runIdle(ctx context.Context, cfg config, d *dialer) (IdleResult, error) {
	res := IdleResult{Mode: "idle", Conns: cfg.conns, Sources: len(d.opts)}
	// One connection and round trip first, so that what the server sets up
	// once, at its first connection, is not counted per connection.
	c, err := d.dial(ctx, 0)
	if err != nil {
		return res, err
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("warm-up")); err != nil {
		return res, err
	}
	if _, _, err := c.Read(ctx); err != nil {
		return res, err
	}
	c.Close(websocket.StatusNormalClosure, "")
	if res.FDsBefore, err = filesBelow(ctx, cfg.pid, 1<<30, cfg.settle); err != nil {
		return res, err
	}
	if res.RSSBefore, err = settledRSS(ctx, cfg.pid, cfg.settle); err != nil {
		return res, err
	}

	for range cfg.waves {
		var w Wave
		start := time.Now()
		conns, err := dialAll(ctx, d, cfg.conns)
		w.Dial = time.Since(start)
		if err == nil {
			// Every handshake is answered; wait for the server to hold
			// every socket, then for its memory to settle.
			w.FDsUp, err = filesAbove(ctx, cfg.pid, res.FDsBefore+cfg.conns, cfg.settle)
		}
		if err == nil {
			w.RSSUp, err = settledRSS(ctx, cfg.pid, cfg.settle)
		}
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
		if err != nil {
			return res, err
		}
		if w.FDsClosed, err = filesBelow(ctx, cfg.pid, res.FDsBefore, cfg.settle); err != nil {
			return res, err
		}
		if w.RSSClosed, err = settledRSS(ctx, cfg.pid, cfg.settle); err != nil {
			return res, err
		}
		res.Waves = append(res.Waves, w)
	}
	res.PerConnKB = float64(res.Waves[0].RSSUp-res.RSSBefore) / float64(cfg.conns)
	return res, nil
}

// dialAll opens n connections, dialParallel at a time. On error the slice
// holds those that were opened, for the caller to close.
func dialAll(ctx context.Context, d *dialer, n int) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(dialParallel)
	for i := range conns {
		g.Go(func() (err error) {
			conns[i], err = d.dial(gctx, i)
			return err
		})
	}
	return conns, g.Wait()
}

// poll calls f every 100 ms until it reports done, for at most max; past
// that it returns the last value without error: the caller reports it.
func poll[T any](ctx context.Context, max time.Duration, f func() (T, bool, error)) (T, error) {
	deadline := time.Now().Add(max)
	for {
		v, ok, err := f()
		if err != nil || ok || time.Now().After(deadline) {
			return v, err
		}
		if err := wait(ctx, 100*time.Millisecond); err != nil {
			return v, err
		}
	}
}

// filesAbove waits until process pid has at least n files open.
func filesAbove(ctx context.Context, pid, n int, max time.Duration) (int, error) {
	return poll(ctx, max, func() (int, bool, error) {
		f, err := openFiles(pid)
		return f, f >= n, err
	})
}

// filesBelow waits until process pid has at most n files open, and its
// count has stopped falling.
func filesBelow(ctx context.Context, pid, n int, max time.Duration) (int, error) {
	last := -1
	return poll(ctx, max, func() (int, bool, error) {
		f, err := openFiles(pid)
		ok := f <= n && f == last
		last = f
		return f, ok, err
	})
}

// settledRSS waits until process pid's VmRSS has moved by less than 1% (and
// less than 1 MiB) over the last second, and returns it.
func settledRSS(ctx context.Context, pid int, max time.Duration) (int64, error) {
	var last []int64
	return poll(ctx, max, func() (int64, bool, error) {
		r, err := rssKB(pid)
		last = append(last, r)
		if len(last) < 11 {
			return r, false, err
		}
		last = last[1:]
		lo, hi := slices.Min(last), slices.Max(last)
		return r, hi-lo < min(r/100, 1024), err
	})
}
