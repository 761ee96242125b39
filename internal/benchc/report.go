//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// env describes the run, printed above its tables.
type env struct {
	date, goVersion, lwsVersion, kernel, cpu string
	cpus                                     int
	loadStart, loadEnd                       string
	other                                    []float64 // other processes' CPU during each measurement, in CPUs
}

func environment() env {
	e := env{
		date:      time.Now().UTC().Format("2006-01-02 15:04 MST"),
		goVersion: runtime.Version(),
		cpus:      runtime.NumCPU(),
		loadStart: loadavg(),
		kernel:    firstLine("/proc/sys/kernel/osrelease"),
	}
	if out, err := exec.Command("pkg-config", "--modversion", "libwebsockets").Output(); err == nil {
		e.lwsVersion = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	return e
}

// loadavg is the 1, 5 and 15 minute load averages.
func loadavg() string {
	f := strings.Fields(firstLine("/proc/loadavg"))
	return strings.Join(f[:min(3, len(f))], " ")
}

func firstLine(path string) string {
	b, _ := os.ReadFile(path)
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}

// report prints the run's tables in Markdown.
func report(w io.Writer, o options, e env, servers []server, idle map[int]map[string]idleResult, echo map[echoCase]map[string]echoResult) {
	var idleN []string
	for _, n := range o.idle {
		idleN = append(idleN, fmt.Sprint(n))
	}
	via := ""
	if os.Getenv("MAKELEVEL") != "" {
		via = " (run by `make bench-c`)"
	}
	fmt.Fprintf(w, "\nCommand: `go run ./internal/benchc -idle %s -d %s -warmup %s -src %s -waves %d`%s\n\n",
		strings.Join(idleN, ","), o.duration, o.warmup, o.src, o.waves, via)
	fmt.Fprintf(w, "%s; %s, %d CPUs, Linux %s; %s; libwebsockets %s; load average %s at start, %s at end.\n",
		e.date, e.cpu, e.cpus, e.kernel, e.goVersion, orDash(e.lwsVersion), e.loadStart, e.loadEnd)
	if o.pin {
		fmt.Fprintln(w, "Servers pinned to CPU 0 (taskset -c 0), the load client (wsload) to CPU 1.")
	}
	if len(e.other) > 0 {
		var sum, most float64
		for _, v := range e.other {
			sum, most = sum+v, max(most, v)
		}
		fmt.Fprintf(w, "Other processes used %.0f%% of a CPU on average during the measurements, %.0f%% at most: a quiet run is near 0.\n",
			100*sum/float64(len(e.other)), 100*most)
	}

	var names []string
	for _, s := range servers {
		names = append(names, s.name)
	}
	// ratios are golws's figure divided by each other server's.
	var others []string
	for _, n := range names {
		if n != "golws" {
			others = append(others, n)
		}
	}
	header := func(first, unit string) {
		fmt.Fprintf(w, "| %s |", first)
		for _, n := range names {
			fmt.Fprintf(w, " %s%s |", n, unit)
		}
		for _, n := range others {
			fmt.Fprintf(w, " golws ÷ %s |", n)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(names)+len(others)))
	}
	row := func(first string, cell func(name string) string, value func(name string) (float64, bool)) {
		fmt.Fprintf(w, "| %s |", first)
		for _, n := range names {
			fmt.Fprintf(w, " %s |", cell(n))
		}
		g, ok := value("golws")
		for _, n := range others {
			v, vok := value(n)
			if ok && vok && v != 0 {
				fmt.Fprintf(w, " **%.2f×** |", g/v)
			} else {
				fmt.Fprint(w, " — |")
			}
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "\n### Idle memory: server VmRSS growth per idle connection (lower is better)\n\n")
	header("idle connections", " KiB/conn")
	for _, n := range o.idle {
		r := idle[n]
		value := func(s string) (float64, bool) { v, ok := r[s]; return v.PerConnKB, ok }
		row(fmt.Sprint(n), func(s string) string { v, _ := value(s); return fmt.Sprintf("%.2f", v) }, value)
	}
	fmt.Fprintf(w, "\nServer VmRSS in MiB: before (after one warm-up connection), then with each wave of connections up and after it closed.\n\n")
	fmt.Fprintf(w, "| server | conns | before |")
	for i := range o.waves {
		fmt.Fprintf(w, " wave %d up | wave %d closed |", i+1, i+1)
	}
	fmt.Fprintf(w, "\n|---|---:|---:|%s\n", strings.Repeat("---:|---:|", o.waves))
	for _, n := range o.idle {
		for _, s := range names {
			r := idle[n][s]
			fmt.Fprintf(w, "| %s | %d | %s |", s, n, mib(r.RSSBefore))
			for _, wv := range r.Waves {
				fmt.Fprintf(w, " %s | %s |", mib(wv.RSSUp), mib(wv.RSSClosed))
			}
			fmt.Fprintln(w)
		}
	}

	echoTable := func(title string, cell func(echoResult) string, value func(echoResult) float64) {
		fmt.Fprintf(w, "\n### %s\n\n", title)
		header("conns × in flight × size", "")
		for _, c := range echoCases {
			r := echo[c]
			row(c.String(), func(s string) string { return cell(r[s]) },
				func(s string) (float64, bool) { v, ok := r[s]; return value(v), ok })
		}
	}
	echoTable("Echo rate: messages/s (MB/s of echoed payload; higher is better)",
		func(r echoResult) string { return fmt.Sprintf("%.0f (%.1f)", r.MsgsPerSec, r.MBPerSec) },
		func(r echoResult) float64 { return r.MsgsPerSec })
	echoTable("Server CPU per message: µs (server CPU % of one core; lower is better)",
		func(r echoResult) string { return fmt.Sprintf("%.1f (%.0f%%)", r.CPUusPerMsg, r.ServerCPU) },
		func(r echoResult) float64 { return r.CPUusPerMsg })
	echoTable("Round-trip latency: p50 / p90 / p99 µs (ratios of p50)",
		func(r echoResult) string { return fmt.Sprintf("%.0f / %.0f / %.0f", r.P50us, r.P90us, r.P99us) },
		func(r echoResult) float64 { return r.P50us })
}

func mib(kb int64) string { return fmt.Sprintf("%.1f", float64(kb)/1024) }

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
