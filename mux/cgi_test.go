package mux

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var quiet = slog.New(slog.DiscardHandler)

// cgiScript returns the absolute path of a test script.
func cgiScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "cgi", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cgiServer serves a CGI mount at /cgi over HTTP/1.1, or HTTP/2 over TLS.
func cgiServer(t *testing.T, h2 bool, script string, o *CGIOptions) (*httptest.Server, *http.Client) {
	t.Helper()
	if o == nil {
		o = &CGIOptions{}
	}
	o.Logger = quiet
	h, err := NewCGI("/cgi", script, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(&Vhost{Mounts: Mounts{{Path: "/cgi", Handler: h}}})
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, srv.Client()
}

// gate makes a FIFO that a test script waits on, and returns its path and a
// function that lets the script go on. Opening a FIFO for writing fails
// until the script has it open for reading, so open polls, to a deadline.
func gate(t *testing.T) (string, func()) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "gate")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err == nil {
				f.WriteString("go\n")
				f.Close()
				return
			}
			if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
				t.Fatalf("opening the gate: %v", err)
			}
			time.Sleep(5 * time.Millisecond) // polling a FIFO, bounded by deadline
		}
	}
}

// TestCGIStreams shows output is streamed: the client reads the first line
// while the script still waits, before it produces the second. A script's
// own chunked framing is decoded, and over HTTP/2 no Transfer-Encoding is
// sent.
func TestCGIStreams(t *testing.T) {
	for _, tt := range []struct {
		name   string
		h2     bool
		script string
	}{
		{"h1", false, "stream.sh"},
		{"h2", true, "stream.sh"},
		{"h1 chunked script", false, "chunked.sh"},
		{"h2 chunked script", true, "chunked.sh"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, open := gate(t)
			srv, client := cgiServer(t, tt.h2, cgiScript(t, tt.script), &CGIOptions{Env: map[string]string{"GATE": path}})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/cgi", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if want := map[bool]int{false: 1, true: 2}[tt.h2]; resp.ProtoMajor != want {
				t.Fatalf("served over %s, want HTTP/%d", resp.Proto, want)
			}
			if te := resp.Header.Get("Transfer-Encoding"); te != "" {
				t.Fatalf("Transfer-Encoding header %q forwarded", te)
			}
			br := bufio.NewReader(resp.Body)
			if line, err := br.ReadString('\n'); err != nil || line != "first\n" {
				t.Fatalf("first line %q, %v", line, err)
			}
			open() // only now may the script write its second line
			rest, err := io.ReadAll(br)
			if err != nil || string(rest) != "second\n" {
				t.Fatalf("rest %q, %v", rest, err)
			}
		})
	}
}

// TestCGIBrokenChunks: a script whose chunked framing breaks, or ends
// before its last chunk, has the good part of its output delivered and the
// response cut off, never completed: the client sees an error, not a
// shorter body that looks whole.
func TestCGIBrokenChunks(t *testing.T) {
	for _, tt := range []struct {
		name, brk string
		h2        bool
	}{
		{"h1 bad size", "size", false},
		{"h2 bad size", "size", true},
		{"h1 early end", "early", false},
		{"h2 early end", "early", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, client := cgiServer(t, tt.h2, cgiScript(t, "badchunk.sh"), &CGIOptions{Env: map[string]string{"BREAK": tt.brk}})
			resp, err := client.Get(srv.URL + "/cgi")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil || !strings.HasPrefix(string(b), "first\n") {
				t.Fatalf("body %q, %v: want \"first\\n\" then an error", b, err)
			}
		})
	}
}

func TestCGIEnvironment(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		srv, client := cgiServer(t, h2, cgiScript(t, "env.sh"), &CGIOptions{Env: map[string]string{"GREETING": "hello mount"}})
		req, _ := http.NewRequest("POST", srv.URL+"/cgi/sub/path?a=1&b=2", strings.NewReader("posted body"))
		req.Header.Set("Proxy", "http://evil.example:3128") // httpoxy
		req.Header.Set("X-Test", "x")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := string(b)
		proto := map[bool]string{false: "HTTP/1.1", true: "HTTP/2.0"}[h2]
		for _, want := range []string{
			"HTTP_PROXY=unset\n",
			"GREETING=hello mount\n",
			"REQUEST_METHOD=POST\n",
			"SCRIPT_NAME=/cgi\n",
			"PATH_INFO=/sub/path\n",
			"QUERY_STRING=a=1&b=2\n",
			"CONTENT_LENGTH=11\n",
			"HTTP_X_TEST=x\n",
			"SERVER_PROTOCOL=" + proto + "\n",
			"body=posted body\n",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: output lacks %q:\n%s", proto, want, got)
			}
		}
		if resp.StatusCode != 200 || resp.Header.Get("X-Script") != "env" {
			t.Errorf("%s: status %d, X-Script %q", proto, resp.StatusCode, resp.Header.Get("X-Script"))
		}
	}
}

func TestCGIStatusAndErrors(t *testing.T) {
	srv, client := cgiServer(t, false, cgiScript(t, "status.sh"), nil)
	tests := []struct {
		query  string
		status int
	}{
		{"404", 404},
		{"201", 201},
		{"broken", http.StatusBadGateway},
		{"nohead", http.StatusBadGateway}, // no empty line ends the header
		{"abc", http.StatusBadGateway},
	}
	for _, tt := range tests {
		resp, err := client.Get(srv.URL + "/cgi?" + strings.ReplaceAll(tt.query, " ", "%20"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%q: status %d, want %d", tt.query, resp.StatusCode, tt.status)
		}
	}
	// A body of unknown length cannot be handed to a CGI script.
	resp, err := client.Post(srv.URL+"/cgi", "text/plain", io.MultiReader(strings.NewReader("x")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusLengthRequired {
		t.Errorf("chunked request: status %d, want 411", resp.StatusCode)
	}
	if _, err := NewCGI("/x", cgiScript(t, "missing.sh"), nil); err == nil {
		t.Error("NewCGI accepted a missing script")
	}
	if _, err := NewCGI("/x", filepath.Join("testdata", "cgi"), nil); err == nil {
		t.Error("NewCGI accepted a directory")
	}
	if _, err := NewCGI("/x", cgiScript(t, "env.sh"), &CGIOptions{Env: map[string]string{"A=B": "c"}}); err == nil {
		t.Error("NewCGI accepted a bad variable name")
	}
}

// waitGone polls until process pid has ended (or is a zombie nobody reaped
// yet), to a deadline.
func waitGone(t *testing.T, pidfile string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var pid int
	for {
		if b, err := os.ReadFile(pidfile); err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("pid file: %q", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the script never wrote its child's pid")
		}
		time.Sleep(5 * time.Millisecond) // bounded poll
	}
	for {
		err := syscall.Kill(pid, 0)
		stat, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if errors.Is(err, syscall.ESRCH) || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the script's child %d is still running", pid)
		}
		time.Sleep(5 * time.Millisecond) // bounded poll
	}
}

// TestCGITimeout shows a script that outlives its timeout is killed with
// the child it started, and the request ends: 504 before the header, a cut
// response after it.
func TestCGITimeout(t *testing.T) {
	for _, tt := range []struct {
		name   string
		h2     bool
		silent bool
	}{
		{"h1 before header", false, true},
		{"h1 during body", false, false},
		{"h2 during body", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pid")
			env := map[string]string{"PIDFILE": pidfile}
			if tt.silent {
				env["SILENT"] = "1"
			}
			srv, client := cgiServer(t, tt.h2, cgiScript(t, "hang.sh"), &CGIOptions{Env: env, Timeout: 300 * time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/cgi", nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if tt.silent {
				if resp.StatusCode != http.StatusGatewayTimeout || err != nil {
					t.Fatalf("status %d, %v; want 504", resp.StatusCode, err)
				}
			} else if string(body) != "first\n" || err == nil || ctx.Err() != nil {
				t.Fatalf("body %q, err %v: want the first line and then a cut-off", body, err)
			}
			waitGone(t, pidfile)
		})
	}
}
