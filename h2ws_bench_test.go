package lws_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/plugins/echo"
)

// h2wsBenchConns is how many WebSockets BenchmarkH2WebSockets opens, and
// h2wsEchoFor how long they echo.
const (
	h2wsBenchConns = 1000
	h2wsEchoFor    = time.Second
)

// BenchmarkH2WebSockets compares 1,000 WebSockets on one HTTP/2 connection
// (RFC 8441) with 1,000 HTTP/1.1 WebSockets, each on its own TCP
// connection, against the echo plugin, over TLS (wss) and in clear (ws,
// h2c). It reports the server's memory per WebSocket with every socket
// open and idle for conn.ParkAfter ("B/ws": heap in use plus goroutine
// stacks after GC, as BenchmarkIdleMemory measures it; "stack-B/ws" is the
// stacks' part, "goroutines/ws" the server's goroutines), then the echo
// rate ("msg/s") with all 1,000 sockets echoing 32-byte messages at once
// for a second, each sending its next message when the last came back.
// The clients (golws's own, conn.H2Conn for HTTP/2) run in a child
// process, so only the server's memory is counted; they share the
// machine's CPUs with the server.
//
// Go's HTTP/2 server allows 250 concurrent streams per connection by
// default; the listeners here allow h2wsBenchConns + 24
// (listen.Options.HTTP2.MaxConcurrentStreams).
func BenchmarkH2WebSockets(b *testing.B) {
	cert := testcert.New(b, testcert.ECDSA, "127.0.0.1")
	h2 := &http.HTTP2Config{MaxConcurrentStreams: h2wsBenchConns + 24}
	srv := lws.New(lwstest.Quiet())
	wss, err := srv.NewVhost(lws.VhostOptions{Name: "wss", Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol},
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}, Listener: &listen.Options{HTTP2: h2}})
	if err != nil {
		b.Fatal(err)
	}
	ws, err := srv.NewVhost(lws.VhostOptions{Name: "ws", Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol},
		Listener: &listen.Options{H2C: true, HTTP2: h2}})
	if err != nil {
		b.Fatal(err)
	}
	lwstest.Run(b, srv)
	for _, bc := range []struct{ name, url, mode string }{
		{"wss/h1", lwstest.WS(wss), "h1"},
		{"wss/h2", lwstest.WS(wss), "h2"},
		{"ws/h1", lwstest.WS(ws), "h1"},
		{"ws/h2c", lwstest.WS(ws), "h2"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				r := h2wsBench(b, bc.url, bc.mode, h2wsBenchConns)
				b.ReportMetric(r.perWS, "B/ws")
				b.ReportMetric(r.stackPerWS, "stack-B/ws")
				b.ReportMetric(r.goroutinesPerWS, "goroutines/ws")
				b.ReportMetric(r.rate, "msg/s")
			}
		})
	}
}

// h2wsResult is what one run of BenchmarkH2WebSockets measures.
type h2wsResult struct {
	perWS           float64 // server heap in use + stacks, bytes per WebSocket
	stackPerWS      float64 // of which goroutine stacks
	goroutinesPerWS float64 // server goroutines per WebSocket
	rate            float64 // messages echoed per second
}

// h2wsServerMemory is serverMemory split into heap in use and stacks, with
// the number of goroutines.
func h2wsServerMemory() (heap, stack uint64, goroutines int) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse, runtime.NumGoroutine()
}

// h2wsBench opens n WebSockets to url from a child process (mode h1: one
// TCP connection each; h2: all on one HTTP/2 connection), measures what the
// server holds for them once each has echoed one message, then has them all
// echo for h2wsEchoFor and reports the messages echoed per second.
func h2wsBench(b *testing.B, url, mode string, n int) (r h2wsResult) {
	b.Helper()
	heap0, stack0, g0 := h2wsServerMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^TestH2WSBenchClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOLWS_H2WS_DIAL="+url, "GOLWS_H2WS_MODE="+mode, "GOLWS_H2WS_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("client process: %v", err)
		}
	}()
	sc := bufio.NewScanner(stdout)
	line := func() string {
		if !sc.Scan() {
			b.Fatalf("client process ended early: %v", sc.Err())
		}
		return sc.Text()
	}
	if l := line(); l != "connected" {
		b.Fatalf("client process: %q, want connected", l)
	}
	// Idle sockets that can park (HTTP/1.1 without TLS) do so ParkAfter
	// after their last input: measure them idle, as they mostly are.
	time.Sleep(conn.ParkAfter + 250*time.Millisecond)
	heap1, stack1, g1 := h2wsServerMemory()
	r.perWS = (float64(heap1+stack1) - float64(heap0+stack0)) / float64(n)
	r.stackPerWS = (float64(stack1) - float64(stack0)) / float64(n)
	r.goroutinesPerWS = float64(g1-g0) / float64(n)
	fmt.Fprintln(stdin, "echo")
	var echoed int64
	var secs float64
	if _, err := fmt.Sscanf(line(), "echoed %d in %g", &echoed, &secs); err != nil {
		b.Fatalf("client process: %v", err)
	}
	r.rate = float64(echoed) / secs
	return r
}

// TestH2WSBenchClients is the child process of BenchmarkH2WebSockets; it
// does nothing in a normal test run. It opens the WebSockets, has each echo
// one message and says "connected"; on a line from its parent it has them
// all echo for h2wsEchoFor and says "echoed N in SECONDS"; at the end of its
// input it closes them.
func TestH2WSBenchClients(t *testing.T) {
	url := os.Getenv("GOLWS_H2WS_DIAL")
	if url == "" {
		t.Skip("helper process of BenchmarkH2WebSockets")
	}
	n, _ := strconv.Atoi(os.Getenv("GOLWS_H2WS_N"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := &websocket.DialOptions{Subprotocols: []string{echo.Name}, CompressionMode: websocket.CompressionDisabled}
	secure := strings.HasPrefix(url, "wss:")
	tlsConf := &tls.Config{InsecureSkipVerify: true} // the benchmark's own self-signed certificate
	var dial func() (*conn.WebSocket, error)
	switch os.Getenv("GOLWS_H2WS_MODE") {
	case "h1":
		if secure {
			opts.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}}
		}
		dial = func() (*conn.WebSocket, error) {
			ws, _, err := conn.DialWebSocket(ctx, url, opts)
			return ws, err
		}
	case "h2":
		nc, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimPrefix(url, "wss://"), "ws://"))
		if err != nil {
			t.Fatal(err)
		}
		if secure {
			tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
			if err := tc.HandshakeContext(ctx); err != nil {
				t.Fatal(err)
			}
			nc = tc
		}
		hc, err := conn.NewH2Conn(nc)
		if err != nil {
			t.Fatal(err)
		}
		defer hc.Close()
		dial = func() (*conn.WebSocket, error) {
			ws, _, err := conn.DialWebSocketH2(ctx, url, hc, opts)
			return ws, err
		}
	default:
		t.Fatalf("GOLWS_H2WS_MODE %q: want h1 or h2", os.Getenv("GOLWS_H2WS_MODE"))
	}

	b := &benchEchoes{msg: []byte(strings.Repeat("x", 32))}
	b.warm.Add(n)
	var conns []*conn.Conn
	set := new(conn.Set)
	for range n {
		ws, err := dial()
		if err != nil {
			t.Fatal(err)
		}
		c, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session { return &benchEcho{b: b} }, &conn.Options{Set: set})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.RequestWritable() // the first message, which proves the server has the socket
	}
	b.warm.Wait()
	fmt.Println("connected")

	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		t.Fatal("no go from the parent")
	}
	b.running.Store(true)
	start := time.Now()
	for _, c := range conns {
		c.RequestWritable()
	}
	time.Sleep(h2wsEchoFor) // the measuring window, not a synchronisation
	echoed := b.echoed.Load()
	elapsed := time.Since(start)
	b.running.Store(false)
	fmt.Printf("echoed %d in %g\n", echoed, elapsed.Seconds())

	for in.Scan() { // hold the sockets until the parent is done
	}
	set.CloseAll(conn.StatusNormal, "")
	if err := set.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// benchEchoes is what the clients of TestH2WSBenchClients share.
type benchEchoes struct {
	msg     []byte
	warm    sync.WaitGroup // one echo per socket before measuring
	running atomic.Bool    // send again on each echo
	echoed  atomic.Int64   // echoes received while running
}

// benchEcho is one client socket: it sends when writeable unless a message
// is out, and counts what comes back.
type benchEcho struct {
	b      *benchEchoes
	out    bool // a message is on its way
	warmed bool
}

func (e *benchEcho) Writeable(c *conn.Conn) error {
	if e.out || (e.warmed && !e.b.running.Load()) {
		return nil
	}
	e.out = true
	return c.Write(conn.Binary, e.b.msg)
}

func (e *benchEcho) Receive(c *conn.Conn, in conn.Chunk) error {
	if !in.Final {
		return nil
	}
	e.out = false
	if !e.warmed {
		e.warmed = true
		e.b.warm.Done()
		return nil
	}
	if e.b.running.Load() {
		e.b.echoed.Add(1)
		c.RequestWritable()
	}
	return nil
}
