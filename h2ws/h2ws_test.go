package h2ws_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws/conn"
)

// TestFromUserMain builds a user's program (testdata/usermain) that serves
// golws's echo over h2c, with the documented import and without it
// (-tags h2wsoff), and dials a WebSocket over HTTP/2 to each: the import
// alone turns the feature on, whatever runs first in main.
func TestFromUserMain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	for _, tc := range []struct {
		name string
		tags string
		want bool
	}{
		{"import", "", true},
		{"no import", "h2wsoff", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "usermain")
			build := exec.Command(gobin, "build", "-tags", tc.tags, "-o", bin, "./testdata/usermain")
			env := []string{}
			for _, e := range os.Environ() {
				if !strings.HasPrefix(e, "GODEBUG=") {
					env = append(env, e)
				}
			}
			build.Env = env
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build: %v\n%s", err, out)
			}
			cmd := exec.Command(bin)
			cmd.Env = env // no GODEBUG from the test's environment
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				stdin.Close()
				cmd.Wait()
			}()
			line, err := bufio.NewReader(stdout).ReadString('\n')
			if err != nil {
				t.Fatalf("program said nothing: %v", err)
			}
			addr := strings.TrimPrefix(strings.TrimSpace(line), "http://")
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			hc, err := conn.NewH2Conn(nc)
			if err != nil {
				t.Fatal(err)
			}
			defer hc.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			ws, _, err := conn.DialWebSocketH2(ctx, "ws://"+addr+"/", hc, nil)
			if !tc.want {
				if !errors.Is(err, conn.ErrNoExtendedConnect) {
					t.Fatalf("dial without the import: %v, want ErrNoExtendedConnect", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial over HTTP/2: %v", err)
			}
			defer ws.Abort()
			if err := ws.Write(conn.Text, []byte("hello h2"), true); err != nil {
				t.Fatal(err)
			}
			var got []byte
			for len(got) < len("hello h2") {
				ch, err := ws.ReadChunk(func() []byte { return make([]byte, 64) })
				if err != nil && !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				got = append(got, ch.Data...)
			}
			if string(got) != "hello h2" {
				t.Fatalf("echo %q", got)
			}
		})
	}
}
