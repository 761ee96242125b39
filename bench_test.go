package lws_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sync/errgroup"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/plugins/echo"
)

// bareEcho is the baseline: coder/websocket on its own, one handler
// goroutine per connection reading and writing whole messages.
func bareEcho() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(lwstest.BareEcho))
}

// golwsEcho serves the echo plugin through a Server; stop ends it.
func golwsEcho(tb testing.TB) (url string, stop func()) {
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return v.URL(), func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	}
}

// BenchmarkEcho measures round trips of one client through golws's echo and
// through a bare coder/websocket echo server, side by side: compare the
// ns/op (and MB/s) of golws with bare for each size.
func BenchmarkEcho(b *testing.B) {
	bare := bareEcho()
	defer bare.Close()
	golwsURL, stop := golwsEcho(b)
	defer stop()
	servers := []struct{ name, url string }{{"bare", bare.URL}, {"golws", golwsURL}}
	for _, size := range []int{64, 1024, 16 << 10, 64 << 10, 256 << 10} {
		for _, s := range servers {
			b.Run(fmt.Sprintf("%s/%dB", s.name, size), func(b *testing.B) {
				ctx := context.Background()
				c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http"), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer c.CloseNow()
				c.SetReadLimit(-1)
				msg := bytes.Repeat([]byte{'x'}, size)
				buf := make([]byte, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
						b.Fatal(err)
					}
					_, r, err := c.Reader(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadFull(r, buf); err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, r)
				}
				b.StopTimer()
				c.Close(websocket.StatusNormalClosure, "")
			})
		}
	}
}

// BenchmarkEchoInFlight is BenchmarkEcho with several connections, each
// keeping several messages in flight: the writes of one client overlap the
// echoes coming back, so the server receives and sends at once.
func BenchmarkEchoInFlight(b *testing.B) {
	bare := bareEcho()
	defer bare.Close()
	golwsURL, stop := golwsEcho(b)
	defer stop()
	servers := []struct{ name, url string }{{"bare", bare.URL}, {"golws", golwsURL}}
	const conns, inFlight = 2, 2
	for _, size := range []int{64, 16 << 10, 256 << 10} {
		for _, s := range servers {
			b.Run(fmt.Sprintf("%s/%dx%dx%dB", s.name, conns, inFlight, size), func(b *testing.B) {
				ctx := context.Background()
				url := "ws" + strings.TrimPrefix(s.url, "http")
				cs := make([]*websocket.Conn, conns)
				for i := range cs {
					c, _, err := websocket.Dial(ctx, url, nil)
					if err != nil {
						b.Fatal(err)
					}
					defer c.CloseNow()
					c.SetReadLimit(-1)
					cs[i] = c
				}
				msg := bytes.Repeat([]byte{'x'}, size)
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				var g errgroup.Group
				per := b.N/conns + 1
				for _, c := range cs {
					slots := make(chan struct{}, inFlight)
					g.Go(func() error {
						for range per {
							slots <- struct{}{}
							if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
								return err
							}
						}
						return nil
					})
					g.Go(func() error {
						for range per {
							_, r, err := c.Reader(ctx)
							if err != nil {
								return err
							}
							if _, err := io.Copy(io.Discard, r); err != nil {
								return err
							}
							<-slots
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				for _, c := range cs {
					c.Close(websocket.StatusNormalClosure, "")
				}
			})
		}
	}
}

// idleConns is how many idle connections BenchmarkIdleMemory holds open.
const idleConns = 5000

// BenchmarkIdleMemory reports the server's memory per idle WebSocket
// connection (heap in use plus goroutine stacks, after GC) for golws and
// for bare coder/websocket. The clients run in a child process so that
// only the server's memory is counted.
func BenchmarkIdleMemory(b *testing.B) {
	bare := bareEcho()
	defer bare.Close()
	golwsURL, stop := golwsEcho(b)
	defer stop()
	for _, s := range []struct{ name, url string }{{"bare", bare.URL}, {"golws", golwsURL}} {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				perConn := idleMemory(b, s.url, idleConns)
				b.ReportMetric(perConn, "bytes/conn")
			}
		})
	}
}

func serverMemory() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// idleMemory opens n connections to url from a child process, waits until
// they are established and measures what the server holds for them.
func idleMemory(b *testing.B, url string, n int) float64 {
	return idleMemoryT(b, url, n, nil)
}

func idleMemoryT(b testing.TB, url string, n int, probe func()) float64 {
	before := serverMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GOLWS_IDLE_DIAL="+url, "GOLWS_IDLE_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if sc.Text() == "connected" {
			break
		}
	}
	// Give the server a moment to finish its side of the last handshakes.
	time.Sleep(200 * time.Millisecond)
	after := serverMemory()
	if probe != nil {
		probe()
	}
	return float64(after-before) / float64(n)
}

// TestIdleClients is the child process of BenchmarkIdleMemory; it does
// nothing in a normal test run.
func TestIdleClients(t *testing.T) {
	url := os.Getenv("GOLWS_IDLE_DIAL")
	if url == "" {
		t.Skip("helper process of BenchmarkIdleMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("GOLWS_IDLE_N"))
	ctx := context.Background()
	var conns []*websocket.Conn
	for range n {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// One round trip on the last connection proves the server has them all.
	last := conns[len(conns)-1]
	last.Write(ctx, websocket.MessageText, []byte("ping"))
	last.Read(ctx)
	fmt.Println("connected")
	io.Copy(io.Discard, os.Stdin) // hold until the parent is done measuring
	for _, c := range conns {
		c.CloseNow()
	}
}
