package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// gateWriter lets the script print its next line, one line written to the
// FIFO per step. The FIFO stays open for the whole request; it is opened
// once the script has it open for reading, polling to a deadline.
type gateWriter struct {
	path string
	f    *os.File
}

func (g *gateWriter) step(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for g.f == nil {
		f, err := os.OpenFile(g.path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			g.f = f
			break
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("gate %s: %v", g.path, err)
		}
		time.Sleep(5 * time.Millisecond) // bounded poll of a FIFO
	}
	if _, err := g.f.WriteString("go\n"); err != nil {
		t.Fatal(err)
	}
}

func (g *gateWriter) close() {
	if g.f != nil {
		g.f.Close()
		g.f = nil
	}
}

func TestStreamsAsPrinted(t *testing.T) {
	*gate = filepath.Join(t.TempDir(), "gate")
	defer func() { *gate = "" }()
	if err := syscall.Mkfifo(*gate, 0o600); err != nil {
		t.Fatal(err)
	}
	url := extest.Start(t, run)
	for _, demo := range []string{"stream", "chunked"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/cgi/"+demo, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(resp.Body)
		g := &gateWriter{path: *gate}
		for i, want := range []string{"tick 1\n", "tick 2\n", "tick 3\n"} {
			if i > 0 {
				g.step(t) // the script prints the next line only now
			}
			if line, err := br.ReadString('\n'); err != nil || line != want {
				t.Fatalf("%s: line %q, %v; want %q", demo, line, err, want)
			}
		}
		if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
			t.Fatalf("%s: after the lines: %q, %v", demo, rest, err)
		}
		g.close()
		resp.Body.Close()
		cancel()
	}
}

func TestEnvAndNotFound(t *testing.T) {
	url := extest.Start(t, run)
	req, _ := http.NewRequest("GET", url+"/cgi/env?q=1", nil)
	req.Header.Set("Proxy", "http://evil.example") // httpoxy
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"DEMO_MOUNT=set by the mount\n", "PATH_INFO=/env\n", "QUERY_STRING=q=1\n", "SCRIPT_NAME=/cgi\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("env lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "HTTP_PROXY") {
		t.Errorf("the Proxy header reached the script:\n%s", b)
	}
	resp, err = http.Get(url + "/cgi/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown demo: %d", resp.StatusCode)
	}
}
