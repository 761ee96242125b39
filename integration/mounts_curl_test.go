package integration

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws/mux"
)

// needCurl skips the test outside CI when Debian's curl is missing, and
// fails it in CI, where .ci/run installs it.
func needCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("curl is missing (.ci/run installs it): %v", err)
		}
		t.Skip("curl not installed: apt-get install curl")
	}
}

// curlOut runs curl with args and returns its standard output.
func curlOut(t *testing.T, args ...string) string {
	t.Helper()
	needCurl(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--max-time", "30"}, args...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("curl %v: %v: %s", args, err, ee.Stderr)
		}
		t.Fatalf("curl %v: %v", args, err)
	}
	return string(out)
}

// fifoGate is a FIFO a CGI script waits on; step lets it go on by one line.
// The FIFO is opened once, when the script has it open for reading (polled
// to a deadline), and kept open.
type fifoGate struct {
	path string
	f    *os.File
}

func newFifoGate(t *testing.T) *fifoGate {
	t.Helper()
	g := &fifoGate{path: filepath.Join(t.TempDir(), "gate")}
	if err := syscall.Mkfifo(g.path, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if g.f != nil {
			g.f.Close()
		}
	})
	return g
}

func (g *fifoGate) step(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for g.f == nil {
		f, err := os.OpenFile(g.path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			g.f = f
			break
		}
		if !errors.Is(err, syscall.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("gate: %v", err)
		}
		time.Sleep(5 * time.Millisecond) // bounded poll of a FIFO
	}
	if _, err := g.f.WriteString("go\n"); err != nil {
		t.Fatal(err)
	}
}

// streamedLines runs curl -N on url and checks it prints want line by
// line, each line after the first only once step has let the script go on.
// It returns what curl printed after the lines (headers with -D -, come
// first and are returned as head).
func streamedLines(t *testing.T, step func(), want []string, args ...string) (head string) {
	t.Helper()
	needCurl(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "curl", append([]string{"-sS", "-N"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(stdout)
	var hb strings.Builder
	for i, line := range want {
		if i > 0 {
			step() // the script writes the next line only now
		}
		for {
			got, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("reading curl's output: %v (so far %q)", err, hb.String())
			}
			if i == 0 && got != line {
				hb.WriteString(got) // a header line of -D -
				continue
			}
			if got != line {
				t.Fatalf("line %d: %q, want %q", i, got, line)
			}
			break
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Fatalf("after the lines: %q", rest)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("curl: %v", err)
	}
	return hb.String()
}

// TestCurlCGIStream: curl -N sees each line of the example's CGI script as
// soon as it is printed, whether the script frames its output or not.
func TestCurlCGIStream(t *testing.T) {
	g := newFifoGate(t)
	t.Setenv("CGI_DEMO_GATE", g.path) // the example's -gate default
	url := example(t, "http-server-cgi")
	for _, demo := range []string{"stream", "chunked"} {
		streamedLines(t, func() { g.step(t) }, []string{"tick 1\n", "tick 2\n", "tick 3\n"}, url+"/cgi/"+demo)
		g.f.Close() // the next run of the script opens the FIFO anew
		g.f = nil
	}
}

// TestCurlCGIChunkedH2: a script's chunked output reaches curl over HTTP/2
// (TLS with ALPN, and h2c with prior knowledge) as a valid response: no
// Transfer-Encoding, the body decoded, and streamed.
func TestCurlCGIChunkedH2(t *testing.T) {
	needCurl(t)
	script, err := filepath.Abs("testdata/chunked-cgi.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"h2 over TLS", []string{"--http2", "-k"}},
		{"h2c prior knowledge", []string{"--http2-prior-knowledge"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newFifoGate(t)
			cgi, err := mux.NewCGI("/cgi", script, &mux.CGIOptions{Env: map[string]string{"GATE": g.path}})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewUnstartedServer(&mux.Vhost{Mounts: mux.Mounts{{Path: "/cgi", Handler: cgi}}})
			if tt.args[0] == "--http2" {
				srv.EnableHTTP2 = true
				srv.StartTLS()
			} else {
				srv.Config.Protocols = new(http.Protocols)
				srv.Config.Protocols.SetHTTP1(true)
				srv.Config.Protocols.SetUnencryptedHTTP2(true)
				srv.Start()
			}
			defer srv.Close()
			head := streamedLines(t, func() { g.step(t) }, []string{"first\n", "second\n"},
				append(tt.args, "-D", "-", srv.URL+"/cgi")...)
			if !strings.HasPrefix(head, "HTTP/2 200") {
				t.Fatalf("response head %q, want HTTP/2 200", head)
			}
			if strings.Contains(strings.ToLower(head), "transfer-encoding") {
				t.Fatalf("Transfer-Encoding sent over HTTP/2: %q", head)
			}
		})
	}
}

// TestCurlRedirect: curl -I shows the example's redirect mounts' status and
// Location, with the path below the mount and the query kept.
func TestCurlRedirect(t *testing.T) {
	url := example(t, "http-server-proxy")
	tests := []struct {
		path, status string
		location     *regexp.Regexp
	}{
		{"/old/a/b?x=1", "301", regexp.MustCompile(`(?m)^[Ll]ocation: http://127\.0\.0\.1:\d+/app/a/b\?x=1\r$`)},
		{"/moved/page?q", "302", regexp.MustCompile(`(?m)^[Ll]ocation: https://libwebsockets\.org/page\?q\r$`)},
	}
	for _, tt := range tests {
		head := curlOut(t, "-I", url+tt.path)
		if !strings.HasPrefix(head, "HTTP/1.1 "+tt.status) || !tt.location.MatchString(head) {
			t.Errorf("%s: %q", tt.path, head)
		}
	}
	if body := curlOut(t, url+"/proxy/through?y=2"); !strings.HasPrefix(body, "backend: GET /app/through?y=2 from 127.0.0.1") {
		t.Errorf("through the proxy: %q", body)
	}
}

type formAnswer struct {
	Fields []struct{ Name, Value string }
	Files  []struct {
		Field, Name string
		Size        int64
		SHA256      string
	}
}

// TestCurlForm: curl posts an urlencoded form and uploads a 5 MB file with
// -F to the example's callback mount, which answers with what it received.
func TestCurlForm(t *testing.T) {
	url := example(t, "http-server-form")

	var a formAnswer
	if err := json.Unmarshal([]byte(curlOut(t, "-d", "a=1&b=two%20words", url+"/formtest")), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Fields) != 2 || a.Fields[0].Name != "a" || a.Fields[0].Value != "1" || a.Fields[1].Value != "two words" {
		t.Fatalf("urlencoded: %+v", a)
	}

	file := make([]byte, 5<<20+3)
	rand.Read(file)
	path := filepath.Join(t.TempDir(), "upload.bin")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(file)
	a = formAnswer{}
	out := curlOut(t, "-F", "text=hello", "-F", "file=@"+path, url+"/formtest")
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if len(a.Fields) != 1 || a.Fields[0].Value != "hello" || len(a.Files) != 1 ||
		a.Files[0].Name != "upload.bin" || a.Files[0].Size != int64(len(file)) || a.Files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("multipart: %s", out)
	}
}
