package integration

import (
	"bufio"
	"context"
	"encoding/json"
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
// port, returning its URL. The program is stopped when the test ends.
func example(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", binDir+"/", "../examples/...")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building examples: %v", buildErr)
	}
	cmd := exec.Command(filepath.Join(binDir, name), "-addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
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
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				urls <- u
			}
		}
	}()
	select {
	case u := <-urls:
		return u
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not print its URL within 10 s", name)
	}
	return ""
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
