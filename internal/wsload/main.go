//go:build linux

// Command wsload is the external load client of `make bench-c`: it drives
// any WebSocket echo server over loopback with github.com/coder/websocket
// and reads the server's CPU time and memory from /proc (-pid), so the
// server is measured as a black box, whatever it is written in.
//
// -mode echo: -conns connections each keep -inflight binary messages of
// -size bytes in flight for -duration (after -warmup), and it reports
// messages/s, MB/s, round-trip latency percentiles and, with -pid, the
// server's CPU% and CPU µs per message (utime+stime over the measured span).
//
// -mode idle: -conns idle connections are opened, spread over -src source
// addresses (127.0.0.x: each has its own ephemeral ports, so that waves of
// thousands of connections, and their TIME_WAITs, do not run out), and the
// server's VmRSS and open files are read before, once they are all up and
// it has settled, after they are closed, and again for each further wave
// (-waves).
//
// It prints a readable line, or one JSON object with -json.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// config is the command line.
type config struct {
	url, mode, src, subprotocol string
	conns, inflight, size       int
	waves, pid                  int
	duration, warmup, settle    time.Duration
}

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", "ws://127.0.0.1:7681/", "WebSocket URL of the echo server")
	flag.StringVar(&cfg.mode, "mode", "echo", "echo or idle")
	flag.IntVar(&cfg.conns, "conns", 0, "connections (default 1 for echo, 5000 for idle)")
	flag.IntVar(&cfg.inflight, "inflight", 1, "echo: messages in flight per connection")
	flag.IntVar(&cfg.size, "size", 64, "echo: message size in bytes")
	flag.DurationVar(&cfg.duration, "duration", 3*time.Second, "echo: measured span")
	flag.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond, "echo: unmeasured load before the span")
	flag.StringVar(&cfg.src, "src", "8", "source addresses: a count n (127.0.0.1 to 127.0.0.n) or a comma list")
	flag.IntVar(&cfg.pid, "pid", 0, "server process to read CPU time and memory of, from /proc")
	flag.IntVar(&cfg.waves, "waves", 2, "idle: waves of -conns connections, each closed before the next")
	flag.DurationVar(&cfg.settle, "settle", 5*time.Second, "idle: longest wait for the server's RSS to settle")
	flag.StringVar(&cfg.subprotocol, "subprotocol", "", "subprotocol to ask for (none by default)")
	timeout := flag.Duration("timeout", 3*time.Minute, "give up after this long")
	asJSON := flag.Bool("json", false, "print one JSON object")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("wsload: ")

	raiseFileLimit()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	srcs, err := sources(cfg.src)
	if err != nil {
		log.Fatal(err)
	}
	d := newDialer(cfg, srcs)
	var res any
	switch cfg.mode {
	case "echo":
		cfg.conns = orDefault(cfg.conns, 1)
		res, err = runEcho(ctx, cfg, d)
	case "idle":
		if cfg.pid == 0 {
			log.Fatal("-mode idle needs -pid")
		}
		cfg.conns = orDefault(cfg.conns, 5000)
		res, err = runIdle(ctx, cfg, d)
	default:
		log.Fatalf("unknown -mode %q", cfg.mode)
	}
	if err != nil {
		log.Fatal(err)
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(res)
	} else {
		fmt.Println(res)
	}
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit: each idle
// connection is an open file here as well as in the server.
func raiseFileLimit() {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err == nil && r.Cur < r.Max {
		r.Cur = r.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
	}
}

// sources parses -src: a count of 127.0.0.x addresses or a list.
func sources(s string) ([]net.IP, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 254 {
			return nil, fmt.Errorf("-src %d: want 1 to 254 addresses", n)
		}
		ips := make([]net.IP, n)
		for i := range ips {
			ips[i] = net.IPv4(127, 0, 0, byte(i+1))
		}
		return ips, nil
	}
	var ips []net.IP
	for _, f := range strings.Split(s, ",") {
		ip := net.ParseIP(strings.TrimSpace(f))
		if ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-src: %q is not a loopback address", f)
		}
		ips = append(ips, ip)
	}
	return ips, nil
}

// ipBindAddressNoPort is Linux's IP_BIND_ADDRESS_NO_PORT: the source port of
// a socket bound to an address is chosen at connect, per destination, so
// each source address offers the whole ephemeral range.
const ipBindAddressNoPort = 24

// dialer opens WebSocket connections, taking the source addresses in turn.
type dialer struct {
	url     string
	opts    []*websocket.DialOptions // one per source address
	counter int
}

func newDialer(cfg config, srcs []net.IP) *dialer {
	d := &dialer{url: cfg.url}
	for _, ip := range srcs {
		nd := &net.Dialer{
			LocalAddr: &net.TCPAddr{IP: ip},
			Timeout:   10 * time.Second,
			Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
				})
			},
		}
		o := &websocket.DialOptions{HTTPClient: &http.Client{Transport: &http.Transport{DialContext: nd.DialContext}}}
		if cfg.subprotocol != "" {
			o.Subprotocols = []string{cfg.subprotocol}
		}
		d.opts = append(d.opts, o)
	}
	return d
}

// dial opens connection i (from source address i mod their count).
func (d *dialer) dial(ctx context.Context, i int) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, d.url, d.opts[i%len(d.opts)])
	if err != nil {
		return nil, fmt.Errorf("connection %d: %w", i, err)
	}
	c.SetReadLimit(-1)
	return c, nil
}
