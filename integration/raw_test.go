package integration

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// peer runs an independent peer (nc, socat) that talks on stdin/stdout:
// write sends to its stdin, and its output lines arrive on the channel.
type peer struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
}

func startPeer(t *testing.T, name string, args ...string) *peer {
	t.Helper()
	p := &peer{cmd: exec.Command(name, args...), lines: make(chan string, 64)}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		p.stdin.Close()
		p.cmd.Process.Kill()
		p.cmd.Wait()
	})
	return p
}

func (p *peer) send(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatalf("%s stdin: %v", p.cmd.Path, err)
	}
}

// line returns the peer's next output line.
func (p *peer) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			t.Fatalf("%s ended its output", p.cmd.Path)
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatalf("%s printed nothing within 10 s", p.cmd.Path)
	}
	return ""
}

// TestNcRawFallback is lws's echo over telnet: nc talks raw to the HTTP
// port of raw-fallback, while curl and python websockets use the same port.
func TestNcRawFallback(t *testing.T) {
	requireTool(t, "nc", "netcat-openbsd")
	url, _ := program(t, "raw-fallback", "-addr", "127.0.0.1:0", "-raw-timeout", "300ms")
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "http://"))

	t.Run("nc sends a line first", func(t *testing.T) {
		nc := startPeer(t, "nc", host, port)
		for _, l := range []string{"hello", "GET / HTTP/1.1"} {
			nc.send(t, l+"\n")
			if got := nc.line(t); got != l {
				t.Fatalf("echo %q, want %q", got, l)
			}
		}
	})
	t.Run("nc silent past the timeout", func(t *testing.T) {
		nc := startPeer(t, "nc", host, port)
		// Say nothing for longer than -raw-timeout: the behaviour under
		// test, not a synchronization.
		<-time.After(600 * time.Millisecond)
		nc.send(t, "late\n")
		if got := nc.line(t); got != "late" {
			t.Fatalf("echo %q", got)
		}
	})
	t.Run("nc -N ends with the server", func(t *testing.T) {
		// Standard input ends: nc shuts its sending side, the raw session
		// sees EOF and closes, and nc exits with the echo printed.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "nc", "-N", host, port)
		cmd.Stdin = strings.NewReader("one\ntwo\n")
		out, err := cmd.Output()
		if err != nil || string(out) != "one\ntwo\n" {
			t.Fatalf("nc printed %q, %v", out, err)
		}
	})
	t.Run("curl on the same port", func(t *testing.T) {
		requireTool(t, "curl", "curl")
		out, err := exec.Command("curl", "-sS", "--max-time", "10", url+"/").Output()
		if err != nil || !strings.HasPrefix(string(out), "raw-fallback:") {
			t.Fatalf("curl: %q, %v", out, err)
		}
	})
	t.Run("python websockets on the same port", func(t *testing.T) {
		res := pyCheck(t, "echo", ws(url), "0", "5", "70000")
		if res["checked"] != float64(6) {
			t.Fatalf("checked %v messages", res["checked"])
		}
	})
}

// TestSocatServerRawClient runs socat as the TCP server of raw-client.
func TestSocatServerRawClient(t *testing.T) {
	requireTool(t, "socat", "socat")
	buildExamples(t)
	port := strconv.Itoa(freePort(t))
	addr := "127.0.0.1:" + port
	srv := exec.Command("socat", "TCP-LISTEN:"+port+",bind=127.0.0.1,reuseaddr,fork",
		`SYSTEM:echo hello from socat; read l; echo got $l`)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	// Wait until socat listens (a probe connection is served by a child of
	// its own and ends at once).
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := net.Dial("tcp", addr)
		if err == nil {
			nc.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("socat does not listen on %s: %v", addr, err)
		}
		<-time.After(20 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name  string
		args  []string
		stdin string
	}{
		{"-send", []string{"-send", `ping\n`}, ""},
		{"stdin", nil, "ping\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.CommandContext(ctx, filepath.Join(binDir, "raw-client"), append([]string{"-connect", addr}, tt.args...)...)
			cmd.Stdin = strings.NewReader(tt.stdin)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil || string(out) != "hello from socat\ngot ping\n" {
				t.Fatalf("raw-client printed %q, %v", out, err)
			}
		})
	}
}

// TestUDPEchoPeers sends datagrams to raw-udp from socat and from nc -u.
func TestUDPEchoPeers(t *testing.T) {
	url, _ := program(t, "raw-udp", "-addr", "127.0.0.1:0")
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(url, "udp://"))
	peers := []struct {
		tool, pkg string
		args      []string
	}{
		{"socat", "socat", []string{"-", "UDP:" + host + ":" + port}},
		{"nc", "netcat-openbsd", []string{"-u", host, port}},
	}
	for _, pp := range peers {
		t.Run(pp.tool, func(t *testing.T) {
			requireTool(t, pp.tool, pp.pkg)
			p := startPeer(t, pp.tool, pp.args...)
			for _, l := range []string{"hello", "from " + pp.tool} {
				p.send(t, l+"\n")
				if got := p.line(t); got != l {
					t.Fatalf("echo %q, want %q", got, l)
				}
			}
		})
	}
}

// TestShellEchoIntoFIFO writes into raw-file's FIFO with the shell, as the
// lws raw-test plugin's instructions do.
func TestShellEchoIntoFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "lws-test-raw")
	_, lines := program(t, "raw-file", "-fifo", fifo)
	for _, word := range []string{"hello", "again"} {
		if out, err := exec.Command("sh", "-c", "echo "+word+" > "+fifo).CombinedOutput(); err != nil {
			t.Fatalf("sh: %v %s", err, out)
		}
		want := `rx 6 bytes: "` + word + `\n"`
		for {
			if l := expectLine(t, lines, "rx "); "rx "+l == want {
				break
			}
		}
	}
}
