package mux

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// writeScript writes an executable shell script into a temporary folder.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCGIUnderscoreHeaders shows a header whose name holds an underscore
// never reaches the script: X_Forwarded_For cannot pass for (or override)
// X-Forwarded-For, whatever the order of the header map.
func TestCGIUnderscoreHeaders(t *testing.T) {
	script := writeScript(t, `printf 'Content-Type: text/plain\r\n\r\n'
echo "XFF=${HTTP_X_FORWARDED_FOR-unset}"
echo "ONLY=${HTTP_X_ONLY_UNDERSCORE-unset}"
`)
	srv, client := cgiServer(t, false, script, nil)
	for i := range 32 { // map order is random: one lucky run proves nothing
		req, _ := http.NewRequest("GET", srv.URL+"/cgi", nil)
		req.Header["X-Forwarded-For"] = []string{"10.0.0.1"}
		req.Header["X_Forwarded_For"] = []string{"6.6.6.6"}
		req.Header["X_Only_Underscore"] = []string{"sneaky"}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := "XFF=10.0.0.1\nONLY=unset\n"; string(b) != want {
			t.Fatalf("run %d: script saw %q, want %q", i, b, want)
		}
	}
}

// TestCGIClientStopsReading shows a client that sends a request for an
// endless body and never reads costs nothing once the write stall timeout
// has passed: the script is killed and reaped (its /proc entry is gone, so
// no zombie is left), and the connection is closed. goleak (TestMain)
// checks no goroutine is left.
func TestCGIClientStopsReading(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	script := writeScript(t, `printf 'Content-Type: text/plain\r\n\r\n'
echo $$ > "$PIDFILE"
exec yes 'an endless body an endless body an endless body'
`)
	srv, _ := cgiServer(t, false, script, &CGIOptions{
		Env:               map[string]string{"PIDFILE": pidfile},
		WriteStallTimeout: 200 * time.Millisecond,
	})
	nc, err := dialSmallWindow(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := io.WriteString(nc, "GET /cgi HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(10 * time.Second)
	var pid int
	for {
		if b, err := os.ReadFile(pidfile); err == nil && strings.HasSuffix(string(b), "\n") {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("pid file: %q", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the script never wrote its pid")
		}
		time.Sleep(5 * time.Millisecond) // bounded poll
	}
	// Reaped, not merely dead: a zombie keeps its /proc entry.
	for {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
			t.Fatalf("the script %d is still there (%s) with a client that stopped reading", pid, stat)
		}
		time.Sleep(5 * time.Millisecond) // bounded poll
	}
	// The server closed the connection: reading it now drains what the
	// kernel holds, then ends.
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the response ended with %v; want it cut off by the server", err)
	}
}

// stallObserver is an Observer that records the statuses of the responses.
type stallObserver struct {
	mu       sync.Mutex
	statuses []int
}

func (o *stallObserver) HTTPDone(_, _ string, status int, _ time.Duration) {
	o.mu.Lock()
	o.statuses = append(o.statuses, status)
	o.mu.Unlock()
}

func (o *stallObserver) UpgradeFailed(string, string, string, error) {}

// TestCGIWriteStallUnderObserver shows a CGI mount's own write stall
// timeout is the one that applies when the vhost has an Observer (whose
// writer wraps the vhost's stall writer): with the vhost's short and the
// mount's none or long, a client that stops reading for longer than the
// vhost's gets the whole body, also as the second response of a
// keep-alive connection whose first went through the vhost's stall alone.
func TestCGIWriteStallUnderObserver(t *testing.T) {
	const size = 16 << 20 // more than the socket buffers hold
	script := writeScript(t, `printf 'Content-Type: application/octet-stream\r\n\r\n'
exec head -c `+strconv.Itoa(size)+` /dev/zero
`)
	for _, tc := range []struct {
		name     string
		cgiStall time.Duration
	}{{"none", -1}, {"long", time.Minute}} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewCGI("/cgi", script, &CGIOptions{Logger: quiet, WriteStallTimeout: tc.cgiStall})
			if err != nil {
				t.Fatal(err)
			}
			o := &stallObserver{}
			v := &Vhost{
				Name:              "stall",
				Mounts:            Mounts{{Path: "/cgi", Handler: h}},
				HTTP:              http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }),
				WriteStallTimeout: 200 * time.Millisecond,
				Observer:          o,
			}
			url, _ := serve(t, v)
			nc, err := dialSmallWindow(url[len("http://"):])
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(30 * time.Second))
			br := bufio.NewReader(nc)

			io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()

			io.WriteString(nc, "GET /cgi HTTP/1.1\r\nHost: x\r\n\r\n")
			time.Sleep(time.Second) // five times the vhost's stall: the timing under test
			resp, err = http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || got != size {
				t.Fatalf("%d of %d bytes: %v; the vhost's stall timeout cut the CGI response", got, size, err)
			}
			nc.Close()
			o.mu.Lock()
			defer o.mu.Unlock()
			if want := []int{200, 200}; !slices.Equal(o.statuses, want) {
				t.Errorf("observer saw %v, want %v", o.statuses, want)
			}
		})
	}
}

// TestCGIWriteStallUnderObserverCuts shows the CGI mount's shorter write
// stall timeout still cuts a client that stopped reading when the vhost
// has an Observer and a longer one of its own.
func TestCGIWriteStallUnderObserverCuts(t *testing.T) {
	script := writeScript(t, `printf 'Content-Type: text/plain\r\n\r\n'
exec yes 'an endless body an endless body an endless body'
`)
	h, err := NewCGI("/cgi", script, &CGIOptions{Logger: quiet, WriteStallTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{}, 1)
	v := &Vhost{
		Name:              "stall",
		Mounts:            Mounts{{Path: "/cgi", Handler: h}},
		WriteStallTimeout: time.Minute,
		Observer:          &stallObserver{},
	}
	url, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { returned <- struct{}{} }()
		v.ServeHTTP(w, r)
	}))
	nc, err := dialSmallWindow(url[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	io.WriteString(nc, "GET /cgi HTTP/1.1\r\nHost: x\r\n\r\n")
	// And never read.
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("the CGI still writes 10 s after the client stopped reading (its stall timeout 200 ms, the vhost's 1 min)")
	}
}

// dialSmallWindow dials addr with a 4 KiB receive buffer, so that a client
// that does not read fills its window at once.
func dialSmallWindow(addr string) (net.Conn, error) {
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	return d.Dial("tcp", addr)
}
