package integration

import (
	"bufio"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestLibwebsocketsTestClient drives the C original's test client against
// the golws test server: its dumb-increment connection counts, and the
// circles its mirror connection draws reach a golws-side mirror client.
func TestLibwebsocketsTestClient(t *testing.T) {
	client := requireTool(t, "libwebsockets-test-client", "libwebsockets-test-server")
	url := example(t, "test-server")
	port := url[strings.LastIndex(url, ":")+1:]

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	watcher, _, err := websocket.Dial(ctx, ws(url), &websocket.DialOptions{Subprotocols: []string{"lws-mirror-protocol"}})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.CloseNow()

	cmd := exec.CommandContext(ctx, client, "127.0.0.1", "--port="+port, "-d", "15")
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = cmd.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()

	// The C client's mirror connection draws circles: "c #rrggbb x y r;".
	_, msg, err := watcher.Read(ctx)
	if err != nil {
		t.Fatalf("no mirror traffic from the C client: %v", err)
	}
	if !strings.HasPrefix(string(msg), "c #") {
		t.Fatalf("mirror message %q is not one of the C client's circles", msg)
	}

	// Its dumb-increment connection logs each number it receives.
	rx := regexp.MustCompile(`rx \d+ '(\d+)'`)
	sc := bufio.NewScanner(stderr)
	var got []int
	for len(got) < 5 && sc.Scan() {
		if m := rx.FindStringSubmatch(sc.Text()); m != nil {
			n, _ := strconv.Atoi(m[1])
			got = append(got, n)
		}
	}
	if len(got) < 5 {
		t.Fatalf("the C client counted %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("the C client's numbers %v do not increase by one", got)
		}
	}
	go func() { // keep draining its log until it is stopped
		for sc.Scan() {
		}
	}()
}
