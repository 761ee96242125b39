package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/plugins/mirror"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// client is a mirror client whose messages a goroutine reads into in.
type client struct {
	name string
	c    *websocket.Conn
	in   chan string
	done chan struct{}
}

func dial(t *testing.T, ctx context.Context, url, name string) *client {
	t.Helper()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{mirror.Name}})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	cl := &client{name: name, c: c, in: make(chan string, 10000), done: make(chan struct{})}
	go func() {
		defer close(cl.done)
		defer close(cl.in)
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				return
			}
			cl.in <- string(b)
		}
	}()
	t.Cleanup(func() { c.CloseNow(); <-cl.done })
	return cl
}

func (cl *client) send(t *testing.T, ctx context.Context, msg string) {
	t.Helper()
	if err := cl.c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("%s: write: %v", cl.name, err)
	}
}

// recv returns the next message, or "" once the connection has ended.
func (cl *client) recv(t *testing.T, ctx context.Context) string {
	t.Helper()
	select {
	case m, ok := <-cl.in:
		if !ok {
			return ""
		}
		return m
	case <-ctx.Done():
		t.Fatalf("%s: no message", cl.name)
		return ""
	}
}

// meshed sends probes from pub until every client has received one (the
// NATS interest of every node has spread), then a fence, and drains every
// client up to the fence.
func meshed(t *testing.T, ctx context.Context, pub *client, all []*client, fence string) {
	t.Helper()
	seen := map[*client]bool{}
	for len(seen) < len(all) {
		pub.send(t, ctx, "probe")
		tick := time.After(20 * time.Millisecond)
	drain:
		for _, cl := range all {
			for !seen[cl] {
				select {
				case m := <-cl.in:
					if m == "probe" {
						seen[cl] = true
					}
				case <-tick:
					break drain
				case <-ctx.Done():
					t.Fatalf("probes reached %d of %d clients", len(seen), len(all))
				}
			}
		}
	}
	pub.send(t, ctx, fence)
	for _, cl := range all {
		for m := cl.recv(t, ctx); m != fence; m = cl.recv(t, ctx) {
			if m == "" {
				t.Fatalf("%s ended before the fence", cl.name)
			}
		}
	}
}

// expectInOrder checks that every client receives n messages from each
// publisher, in each publisher's order.
func expectInOrder(t *testing.T, ctx context.Context, all []*client, pubs []string, n int) {
	t.Helper()
	for _, cl := range all {
		next := map[string]int{}
		for got := 0; got < n*len(pubs); got++ {
			m := cl.recv(t, ctx)
			var who string
			var i int
			if _, err := fmt.Sscanf(m, "%s %d", &who, &i); err != nil {
				t.Fatalf("%s: unexpected %q", cl.name, m)
			}
			if i != next[who] {
				t.Fatalf("%s: %s's message %d, want %d", cl.name, who, i, next[who])
			}
			next[who]++
		}
	}
}

func freePorts(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	for _, ln := range lns {
		ln.Close()
	}
	return out
}

// node is a cluster process.
type node struct {
	cmd  *exec.Cmd
	url  string
	exit chan error
}

func start(t *testing.T, bin string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd, exit: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				urls <- u
			}
		}
		io.Copy(io.Discard, stdout)
		n.exit <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-n.exit
		n.exit <- nil
	})
	select {
	case n.url = <-urls:
	case err := <-n.exit:
		t.Fatalf("%v ended before listening: %v\n%s", args, err, stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("%v did not listen within 15 s", args)
	}
	return n
}

// stop ends the node with SIGTERM and checks that it exits cleanly.
func (n *node) stop(t *testing.T) {
	t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-n.exit:
		if err != nil {
			t.Errorf("node exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("node did not stop within 15 s of SIGTERM")
	}
	n.exit <- nil
}

// TestThreeNodes runs three cluster processes with embedded, clustered NATS
// on loopback ports: messages published on one node reach the clients of
// all three in each publisher's order; after one process (golws and its
// NATS node) is killed, its clients reconnect to the others and delivery
// goes on; the rest stop cleanly.
func TestThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs three processes")
	}
	bin := filepath.Join(t.TempDir(), "cluster")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(gobin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ports := freePorts(t, 6)
	routes := strings.Join(ports[3:], ",")
	var nodes []*node
	for i := range 3 {
		nodes = append(nodes, start(t, bin, "-name", fmt.Sprintf("n%d", i), "-addr", ports[i],
			"-cluster-listen", ports[3+i], "-routes", routes))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	var all []*client
	for i, n := range nodes {
		for j := range 2 {
			all = append(all, dial(t, ctx, extest.WS(n.url), fmt.Sprintf("n%d-c%d", i, j)))
		}
	}
	meshed(t, ctx, all[0], all, "fence-1")

	// One publisher on each of two nodes: every client, on every node,
	// gets both in order.
	const n = 100
	for i := range n {
		all[0].send(t, ctx, fmt.Sprintf("a %d", i))
		all[2].send(t, ctx, fmt.Sprintf("b %d", i))
	}
	expectInOrder(t, ctx, all, []string{"a", "b"}, n)

	// Kill node 2: its golws and its NATS node go at once.
	nodes[2].cmd.Process.Kill()
	<-nodes[2].exit
	nodes[2].exit <- nil
	for _, cl := range all[4:] {
		for cl.recv(t, ctx) != "" {
		}
	}
	// Its clients reconnect to the other nodes, one each.
	survivors := append([]*client(nil), all[:4]...)
	for j, cl := range all[4:] {
		survivors = append(survivors, dial(t, ctx, extest.WS(nodes[j].url), cl.name+"-again"))
	}
	meshed(t, ctx, survivors[2], survivors, "fence-2")
	for i := range n {
		survivors[0].send(t, ctx, fmt.Sprintf("c %d", i))
		survivors[3].send(t, ctx, fmt.Sprintf("d %d", i))
	}
	expectInOrder(t, ctx, survivors, []string{"c", "d"}, n)

	for _, cl := range survivors {
		cl.c.Close(websocket.StatusNormalClosure, "")
	}
	for _, n := range nodes[:2] {
		n.stop(t)
	}
}

// TestOneNodeInProcess runs a node in the test's own process (its embedded
// NATS server too): its clients mirror each other through NATS, and it
// stops without leaving a goroutine behind.
func TestOneNodeInProcess(t *testing.T) {
	url := extest.Start(t, run)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	a, b := dial(t, ctx, extest.WS(url), "a"), dial(t, ctx, extest.WS(url), "b")
	meshed(t, ctx, a, []*client{a, b}, "fence")
	for i := range 20 {
		b.send(t, ctx, fmt.Sprintf("b %d", i))
	}
	expectInOrder(t, ctx, []*client{a, b}, []string{"b"}, 20)
}
