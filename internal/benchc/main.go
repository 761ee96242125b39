//go:build linux

// Command benchc runs `make bench-c`: the same echo and idle-memory
// measurements against three WebSocket echo servers, side by side in one
// run, and prints Markdown tables with golws's ratios to the others:
//
//   - lws C: bench/lws-echo/echo.c, built against Debian's libwebsockets-dev
//     (skipped, with a message, when it is not installed);
//   - golws: examples/minimal-ws-server, the echo plugin (lws-echo);
//   - bare: internal/bareecho, coder/websocket on its own.
//
// Each measurement starts a fresh server pinned to one core (taskset -c 0)
// and runs internal/wsload, the load client, pinned to another (-c 1); the
// server is stopped afterwards, also when something fails.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command line, passed on to wsload.
type options struct {
	idle     []int
	duration string
	warmup   string
	src      string
	waves    int
	pin      bool
}

func main() {
	idle := flag.String("idle", "5000", "idle connection counts to measure, comma separated (at most 19000)")
	var o options
	flag.StringVar(&o.duration, "d", "3s", "measured span of each echo case")
	flag.StringVar(&o.warmup, "warmup", "500ms", "unmeasured load before each echo span")
	flag.StringVar(&o.src, "src", "8", "source addresses of the idle connections (wsload -src)")
	flag.IntVar(&o.waves, "waves", 2, "waves of idle connections, each closed before the next")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchc: ")
	for _, f := range strings.Split(*idle, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 19000 {
			log.Fatalf("-idle: %q is not a count from 1 to 19000", f)
		}
		o.idle = append(o.idle, n)
	}
	o.pin = runtime.NumCPU() >= 2
	if !o.pin {
		log.Print("fewer than 2 CPUs: server and client are not pinned")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		stop()
		log.Fatal(err)
	}
}

// server is one echo server under test.
type server struct {
	name string
	bin  string
	args func(port int) []string
}

// echoCase is one echo measurement.
type echoCase struct{ conns, inflight, size int }

func (c echoCase) String() string {
	size := fmt.Sprintf("%d B", c.size)
	if c.size >= 1024 {
		size = fmt.Sprintf("%d KiB", c.size/1024)
	}
	return fmt.Sprintf("%d × %d × %s", c.conns, c.inflight, size)
}

// echoCases are conns × messages in flight × size; the first is the key case.
var echoCases = []echoCase{{1, 1, 64}, {1, 1, 16 << 10}, {1, 1, 256 << 10}, {2, 2, 256 << 10}}

func run(ctx context.Context, o options) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "benchc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	servers, wsload, err := build(ctx, root, tmp)
	if err != nil {
		return err
	}

	env := environment()
	idle := map[int]map[string]idleResult{}
	for _, n := range o.idle {
		idle[n] = map[string]idleResult{}
		for _, s := range servers {
			var r idleResult
			other, err := measure(ctx, o, s, wsload, &r, "-mode", "idle", "-conns", strconv.Itoa(n),
				"-src", o.src, "-waves", strconv.Itoa(o.waves), "-timeout", "4m")
			if err != nil {
				return fmt.Errorf("%s, %d idle connections: %w", s.name, n, err)
			}
			fmt.Fprintf(os.Stderr, "%s: %d idle: %.2f KiB/conn\n", s.name, n, r.PerConnKB)
			idle[n][s.name] = r
			env.other = append(env.other, other)
		}
	}
	echo := map[echoCase]map[string]echoResult{}
	for _, c := range echoCases {
		echo[c] = map[string]echoResult{}
		for _, s := range servers {
			var r echoResult
			other, err := measure(ctx, o, s, wsload, &r, "-mode", "echo", "-conns", strconv.Itoa(c.conns),
				"-inflight", strconv.Itoa(c.inflight), "-size", strconv.Itoa(c.size),
				"-duration", o.duration, "-warmup", o.warmup, "-src", "1", "-timeout", "1m")
			if err != nil {
				return fmt.Errorf("%s, echo %v: %w", s.name, c, err)
			}
			fmt.Fprintf(os.Stderr, "%s: echo %v: %.0f msg/s, %.1f µs CPU/msg\n", s.name, c, r.MsgsPerSec, r.CPUusPerMsg)
			echo[c][s.name] = r
			env.other = append(env.other, other)
		}
	}
	env.loadEnd = loadavg()
	report(os.Stdout, o, env, servers, idle, echo)
	return nil
}

// moduleRoot is the directory of the go.mod of the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run benchc inside the golws module (go env GOMOD: %q, %v)", gomod, err)
	}
	return filepath.Dir(gomod), nil
}

// build compiles the servers and wsload into dir. The C server is left
// out, with a message, when libwebsockets-dev is missing.
func build(ctx context.Context, root, dir string) ([]server, string, error) {
	var servers []server
	cflags, err := exec.CommandContext(ctx, "pkg-config", "--cflags", "--libs", "libwebsockets").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lws C: skipped, libwebsockets-dev (and pkg-config) not installed: apt-get install libwebsockets-dev pkg-config")
	} else {
		bin := filepath.Join(dir, "lws-echo")
		args := append([]string{"-O2", "-o", bin, filepath.Join(root, "bench/lws-echo/echo.c")}, strings.Fields(string(cflags))...)
		if err := command(ctx, root, "cc", args...); err != nil {
			return nil, "", err
		}
		servers = append(servers, server{"lws C", bin, func(port int) []string { return []string{strconv.Itoa(port)} }})
	}
	addr := func(port int) []string { return []string{"-addr", fmt.Sprintf("127.0.0.1:%d", port)} }
	for _, s := range []struct{ name, bin, pkg string }{
		{"golws", "golws-echo", "./examples/minimal-ws-server"},
		{"bare", "bare-echo", "./internal/bareecho"},
		{"", "wsload", "./internal/wsload"},
	} {
		bin := filepath.Join(dir, s.bin)
		if err := command(ctx, root, "go", "build", "-o", bin, s.pkg); err != nil {
			return nil, "", err
		}
		if s.name != "" {
			servers = append(servers, server{s.name, bin, addr})
		}
	}
	return servers, filepath.Join(dir, "wsload"), nil
}

// command runs a build step, its output going to stderr.
func command(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

// pinned is the command running name on cpu, when pinning.
func pinned(ctx context.Context, o options, cpu, name string, args ...string) *exec.Cmd {
	if !o.pin {
		return exec.CommandContext(ctx, name, args...)
	}
	return exec.CommandContext(ctx, "taskset", append([]string{"-c", cpu, name}, args...)...)
}

// measure starts a fresh s, runs wsload against it with args (plus -url,
// -pid and -json), decodes its JSON into res and stops s. It returns the
// CPU that processes other than these used meanwhile, in CPUs (0.5 is half
// of one): what disturbed the measurement.
func measure(ctx context.Context, o options, s server, wsload string, res any, args ...string) (other float64, err error) {
	busy0, self0, t0 := busyCPU(), selfCPU(), time.Now()
	srv, err := start(ctx, o, s)
	if err != nil {
		return 0, err
	}
	defer srv.stop()
	args = append(args, "-url", srv.url, "-pid", strconv.Itoa(srv.cmd.Process.Pid), "-json")
	cmd := pinned(ctx, o, "1", wsload, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		if serr := srv.stop(); serr != nil {
			return 0, serr // the server failed first
		}
		return 0, fmt.Errorf("wsload: %w", err)
	}
	if err := srv.stop(); err != nil {
		return 0, err
	}
	ours := selfCPU() - self0 + processCPU(srv.cmd.ProcessState) + processCPU(cmd.ProcessState)
	other = (busyCPU() - busy0 - ours).Seconds() / time.Since(t0).Seconds()
	return max(other, 0), json.Unmarshal(out.Bytes(), res)
}

// serverProc is a server started by start.
type serverProc struct {
	cmd  *exec.Cmd
	url  string
	stop func() error // SIGTERM, then SIGKILL after 10 s; says if it failed first
}

// start runs s on a free loopback port, pinned to CPU 0, and waits until it
// listens. Its stop may be called more than once.
func start(ctx context.Context, o options, s server) (*serverProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	cmd := pinned(sctx, o, "0", s.bin, s.args(port)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	exited := make(chan struct{})
	var werr error
	go func() { werr = cmd.Wait(); close(exited) }()
	stopped := false
	stop := func() error {
		select {
		case <-exited:
			if !stopped {
				return fmt.Errorf("%s exited: %v\n%s", s.name, werr, out.Bytes())
			}
		default:
			stopped = true
			cancel()
			<-exited
		}
		return nil
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return &serverProc{cmd, "ws://" + addr + "/", stop}, nil
		}
		select {
		case <-exited:
			return nil, stop()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("%s: not listening on %s after 10 s\n%s", s.name, addr, out.Bytes())
		}
	}
}

// freePort is a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// idleResult and echoResult are the parts of wsload's JSON used here.
type idleResult struct {
	RSSBefore int64 `json:"rss_before_kb"`
	Waves     []struct {
		RSSUp     int64 `json:"rss_up_kb"`
		RSSClosed int64 `json:"rss_closed_kb"`
	} `json:"waves"`
	PerConnKB float64 `json:"per_conn_kb"`
}

type echoResult struct {
	MsgsPerSec  float64 `json:"msgs_per_sec"`
	MBPerSec    float64 `json:"mb_per_sec"`
	P50us       float64 `json:"p50_us"`
	P90us       float64 `json:"p90_us"`
	P99us       float64 `json:"p99_us"`
	ServerCPU   float64 `json:"server_cpu_pct"`
	CPUusPerMsg float64 `json:"cpu_us_per_msg"`
}

// busyCPU is the CPU time spent in user and system mode on all CPUs since
// boot (/proc/stat), by every process.
func busyCPU() time.Duration {
	f := strings.Fields(firstLine("/proc/stat")) // cpu user nice system idle ...
	var ticks int64
	for _, v := range f[1:min(4, len(f))] {
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// selfCPU is the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time an ended child process used.
func processCPU(s *os.ProcessState) time.Duration {
	if s == nil {
		return 0
	}
	return s.UserTime() + s.SystemTime()
}
