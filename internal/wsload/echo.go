//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"
)

// EchoResult is what -mode echo reports. Latencies are round trips, from
// the start of a message's write to the end of its echo's read.
type EchoResult struct {
	Mode        string  `json:"mode"`
	Conns       int     `json:"conns"`
	InFlight    int     `json:"inflight"`
	Size        int     `json:"size"`
	Msgs        int64   `json:"msgs"`
	Seconds     float64 `json:"seconds"`
	MsgsPerSec  float64 `json:"msgs_per_sec"`
	MBPerSec    float64 `json:"mb_per_sec"` // echoed payload, 10^6 B/s
	P50us       float64 `json:"p50_us"`
	P90us       float64 `json:"p90_us"`
	P99us       float64 `json:"p99_us"`
	ServerCPU   float64 `json:"server_cpu_pct,omitempty"` // of one core
	CPUusPerMsg float64 `json:"cpu_us_per_msg,omitempty"` // server CPU per echoed message
}

// String is the readable line printed without -json.
func (r EchoResult) String() string {
	return fmt.Sprintf("echo %d conns × %d in flight × %d B: %.0f msg/s, %.1f MB/s, p50/p90/p99 %.0f/%.0f/%.0f µs, server CPU %.0f%%, %.1f µs/msg",
		r.Conns, r.InFlight, r.Size, r.MsgsPerSec, r.MBPerSec, r.P50us, r.P90us, r.P99us, r.ServerCPU, r.CPUusPerMsg)
}

// runEcho keeps cfg.inflight messages in flight on each of cfg.conns
// connections, and measures the span after the warm-up.
func runEcho(ctx context.Context, cfg config, d *dialer) (EchoResult, error) {
	conns := make([]*websocket.Conn, cfg.conns)
	for i := range conns {
		c, err := d.dial(ctx, i)
		if err != nil {
			return EchoResult{}, err
		}
		defer c.CloseNow()
		conns[i] = c
	}
	msg := make([]byte, cfg.size)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}

	var (
		measuring atomic.Bool
		done      atomic.Int64 // echoes received, all the time
		mu        sync.Mutex
		lats      []time.Duration // round trips inside the span
	)
	run, stop := context.WithCancel(ctx)
	defer stop()
	g, run := errgroup.WithContext(run)
	for _, c := range conns {
		slots := make(chan struct{}, cfg.inflight)
		sent := make(chan time.Time, cfg.inflight) // write times, oldest first
		g.Go(func() error {
			for {
				select {
				case slots <- struct{}{}:
				case <-run.Done():
					return nil
				}
				sent <- time.Now()
				if err := c.Write(run, websocket.MessageBinary, msg); err != nil {
					return ended(run, err)
				}
			}
		})
		g.Go(func() error {
			buf := make([]byte, 32<<10)
			var mine []time.Duration
			defer func() { mu.Lock(); lats = append(lats, mine...); mu.Unlock() }()
			for {
				_, r, err := c.Reader(run)
				if err != nil {
					return ended(run, err)
				}
				n, err := io.CopyBuffer(io.Discard, r, buf)
				if err != nil {
					return ended(run, err)
				}
				if n != int64(cfg.size) {
					return fmt.Errorf("echo of %d bytes came back with %d", cfg.size, n)
				}
				rtt := time.Since(<-sent)
				<-slots
				done.Add(1)
				if measuring.Load() {
					mine = append(mine, rtt)
				}
			}
		})
	}

	type mark struct {
		at   time.Time
		msgs int64
		cpu  time.Duration
	}
	take := func() (m mark, err error) {
		m.at, m.msgs = time.Now(), done.Load()
		if cfg.pid != 0 {
			m.cpu, err = cpuTime(cfg.pid)
		}
		return m, err
	}
	var start, end mark
	err := func() error {
		if err := wait(run, cfg.warmup); err != nil {
			return err
		}
		var err error
		if start, err = take(); err != nil {
			return err
		}
		measuring.Store(true)
		if err := wait(run, cfg.duration); err != nil {
			return err
		}
		measuring.Store(false)
		end, err = take()
		return err
	}()
	stop()
	if gerr := g.Wait(); gerr != nil {
		return EchoResult{}, gerr
	}
	if err != nil {
		return EchoResult{}, err
	}

	res := EchoResult{Mode: "echo", Conns: cfg.conns, InFlight: cfg.inflight, Size: cfg.size}
	res.Msgs = end.msgs - start.msgs
	res.Seconds = end.at.Sub(start.at).Seconds()
	if res.Msgs == 0 {
		return res, errors.New("no echo came back in the measured span")
	}
	res.MsgsPerSec = float64(res.Msgs) / res.Seconds
	res.MBPerSec = res.MsgsPerSec * float64(cfg.size) / 1e6
	slices.Sort(lats)
	pct := func(p float64) float64 {
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))].Nanoseconds()) / 1e3
	}
	if len(lats) > 0 {
		res.P50us, res.P90us, res.P99us = pct(0.50), pct(0.90), pct(0.99)
	}
	if cfg.pid != 0 {
		cpu := end.cpu - start.cpu
		res.ServerCPU = 100 * cpu.Seconds() / res.Seconds
		res.CPUusPerMsg = float64(cpu.Microseconds()) / float64(res.Msgs)
	}
	return res, nil
}

// wait returns after d, or ctx's error if it ends first.
func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// ended turns the error of a connection stopped at the end of the run into
// nil: cancelling its context is how the run ends.
func ended(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
