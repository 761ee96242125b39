package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// binDir holds the example programs, built once per test run.
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "golws-integration-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// example builds (once) and starts the example program name on a loopback
// port, with any extra args, returning its URL. The program is stopped when
// the test ends.
func example(t *testing.T, name string, args ...string) string {
	t.Helper()
	urls, _ := startExample(t, name, "127.0.0.1:0", 1, args...)
	return urls[0]
}

// exampleN is example for a program that prints n "listening on" URLs.
func exampleN(t *testing.T, name string, n int) []string {
	t.Helper()
	urls, _ := startExample(t, name, "127.0.0.1:0", n)
	return urls
}

// exampleAt starts the example program name listening on addr, with any
// extra args, and returns its URL and a function that stops it (also called
// when the test ends).
func exampleAt(t *testing.T, name, addr string, args ...string) (string, func()) {
	t.Helper()
	urls, stop := startExample(t, name, addr, 1, args...)
	return urls[0], stop
}

// startExample starts the program name on addr and waits for the n URLs
// it prints. stop interrupts it (then kills it) and is also called when the
// test ends.
func startExample(t *testing.T, name, addr string, n int, args ...string) (urls []string, stop func()) {
	t.Helper()
	lines, stop := launch(t, name, append([]string{"-addr", addr}, args...)...)
	for range n {
		urls = append(urls, expectLine(t, lines, "listening on "))
	}
	return urls, stop
}

// program starts the example name with args and returns what follows
// "listening on " in its output, and the lines it prints after that. It is
// stopped (SIGINT, and it must exit cleanly) when the test ends.
func program(t *testing.T, name string, args ...string) (string, <-chan string) {
	t.Helper()
	lines, _ := launch(t, name, args...)
	return expectLine(t, lines, "listening on "), lines
}

// launch builds the examples once and starts the program name with args.
// Its output lines arrive on lines (dropped when nobody reads them). stop
// interrupts it, then kills it if it lingers, and fails the test unless it
// exits cleanly; it is also called when the test ends.
func launch(t *testing.T, name string, args ...string) (lines <-chan string, stop func()) {
	t.Helper()
	lines, stop, _ = launchCmd(t, name, os.Stderr, args...)
	return lines, stop
}

// launchCmd is launch with the program's standard error going to stderr;
// it also returns the running command.
func launchCmd(t *testing.T, name string, stderr io.Writer, args ...string) (lines <-chan string, stop func(), cmd *exec.Cmd) {
	t.Helper()
	buildExamples(t)
	cmd = exec.Command(filepath.Join(binDir, name), args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := make(chan string, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case out <- sc.Text():
			default: // nobody is looking for more lines
			}
		}
	}()
	var stopOnce sync.Once
	stop = func() {
		stopOnce.Do(func() {
			cmd.Process.Signal(os.Interrupt)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("%s exited: %v", name, err)
				}
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Errorf("%s did not stop within 15 s of SIGINT", name)
			}
		})
	}
	t.Cleanup(stop)
	return out, stop, cmd
}

// buildExamples builds the example programs once per test run.
func buildExamples(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		// The examples belong to the golws module, one folder up.
		cmd := exec.Command("go", "build", "-o", binDir+"/", "./examples/...")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("%w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building examples: %v", buildErr)
	}
}

// expectLine waits for a line that starts with prefix and returns the rest.
func expectLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("output ended before a line %q", prefix)
			}
			if rest, found := strings.CutPrefix(l, prefix); found {
				return rest
			}
		case <-timeout:
			t.Fatalf("no line %q within 10 s", prefix)
		}
	}
}

// python is the interpreter that sees Debian's python3-websockets.
const python = "/usr/bin/python3"

// requirePythonWebsockets skips the test outside CI when the independent
// peer is not installed, and fails it in CI, where .ci/run installs it.
func requirePythonWebsockets(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import websockets").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-websockets is missing (.ci/run installs it): %v", err)
		}
		t.Skip("python3-websockets not installed: apt-get install python3-websockets")
	}
}

// pyCheck runs one check of testdata/wsclient.py and returns its facts.
func pyCheck(t *testing.T, args ...string) map[string]any {
	t.Helper()
	requirePythonWebsockets(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, append([]string{"testdata/wsclient.py"}, args...)...).Output()
	if err != nil {
		t.Fatalf("wsclient.py %v: %v\n%s", args, err, out)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("wsclient.py %v printed %q: %v", args, out, err)
	}
	if res["ok"] != true {
		t.Fatalf("wsclient.py %v: %v", args, res["error"])
	}
	return res
}

func ws(url string) string { return "ws" + strings.TrimPrefix(url, "http") }
