package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/plugins/mirror"
)

// BenchmarkFanout measures one publisher sending a burst of messages to
// 1,000 subscribers: all on one node with the in-process hub, or spread
// over three nodes (in this process) joined by embedded, clustered NATS.
// Each message carries its send time; every subscriber records each
// delivery's latency. The burst is written as fast as the publisher can,
// or paced. Reported: deliveries per second over the burst, the share of
// messages delivered (the rest were skipped by slow subscribers) and the
// latency percentiles. Run with -benchtime 3x.
func BenchmarkFanout(b *testing.B) {
	const subscribers, burst = 1000, 200
	for _, tc := range []struct {
		nodes int
		pace  time.Duration // between messages; 0: as fast as the publisher writes
	}{{1, 0}, {3, 0}, {1, 20 * time.Millisecond}, {3, 20 * time.Millisecond}} {
		nodes := tc.nodes
		name := "local-1node"
		if nodes > 1 {
			name = "nats-3nodes"
		}
		name += "/burst"
		if tc.pace > 0 {
			name = strings.Replace(name, "burst", fmt.Sprintf("every-%v", tc.pace), 1)
		}
		b.Run(name, func(b *testing.B) {
			urls := startNodes(b, nodes)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			subs := make([]*benchSub, subscribers)
			var wg sync.WaitGroup
			for i := range subs {
				subs[i] = dialBenchSub(b, ctx, extest.WS(urls[i%nodes]), &wg)
			}
			pub := subs[0].c
			// Wait until every node's subscription is live: a probe reaches
			// every subscriber.
			for !allSeen(subs) {
				pub.Write(ctx, websocket.MessageText, []byte("probe"))
				time.Sleep(20 * time.Millisecond)
				if ctx.Err() != nil {
					b.Fatal("subscribers never all reached")
				}
			}
			for range b.N {
				for _, s := range subs {
					s.reset(burst)
				}
				start := time.Now()
				for i := range burst {
					msg := fmt.Sprintf("%d %d %s", i, time.Now().UnixNano(), strings.Repeat(".", 64))
					if err := pub.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
						b.Fatal(err)
					}
					if tc.pace > 0 {
						time.Sleep(tc.pace)
					}
				}
				for _, s := range subs {
					select {
					case <-s.done:
					case <-ctx.Done():
						b.Fatal("burst not delivered")
					}
				}
				elapsed := time.Since(start)
				var lat []time.Duration
				delivered := 0
				for _, s := range subs {
					s.mu.Lock()
					lat = append(lat, s.lat...)
					delivered += len(s.lat)
					s.mu.Unlock()
				}
				slices.Sort(lat)
				b.ReportMetric(float64(delivered)/elapsed.Seconds(), "deliveries/s")
				b.ReportMetric(float64(delivered)/float64(burst*subscribers)*100, "%delivered")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			}
			for _, s := range subs {
				s.c.CloseNow()
			}
			wg.Wait()
		})
	}
}

// startNodes runs n mirror nodes in this process: one in-process, or n
// with embedded NATS servers routed to each other.
func startNodes(b *testing.B, n int) []string {
	if n == 1 {
		return []string{extest.Start(b, func(ctx context.Context, addr string, out io.Writer) error {
			return serve(ctx, addr, out, settings{name: "solo"})
		})}
	}
	var urls []string
	first := ""
	for i := range n {
		clusterAddr := freeAddr(b)
		if i == 0 {
			first = clusterAddr
		}
		s := settings{name: fmt.Sprintf("n%d", i), clusterListen: clusterAddr, routes: first}
		urls = append(urls, extest.Start(b, func(ctx context.Context, addr string, out io.Writer) error {
			return serve(ctx, addr, out, s)
		}))
	}
	return urls
}

func freeAddr(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// benchSub is a subscriber counting a burst's deliveries.
type benchSub struct {
	c    *websocket.Conn
	mu   sync.Mutex
	seen bool // a probe arrived
	want int
	lat  []time.Duration
	done chan struct{}
}

func dialBenchSub(b *testing.B, ctx context.Context, url string, wg *sync.WaitGroup) *benchSub {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{mirror.Name}})
	if err != nil {
		b.Fatal(err)
	}
	s := &benchSub{c: c, done: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			_, m, err := c.Read(context.Background())
			if err != nil {
				return
			}
			now := time.Now()
			f := strings.Fields(string(m))
			s.mu.Lock()
			if len(f) < 2 {
				s.seen = true
				s.mu.Unlock()
				continue
			}
			i, _ := strconv.Atoi(f[0])
			sent, _ := strconv.ParseInt(f[1], 10, 64)
			s.lat = append(s.lat, now.Sub(time.Unix(0, sent)))
			if i == s.want-1 {
				close(s.done)
			}
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *benchSub) reset(burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want, s.lat, s.done = burst, s.lat[:0], make(chan struct{})
}

func allSeen(subs []*benchSub) bool {
	for _, s := range subs {
		s.mu.Lock()
		seen := s.seen
		s.mu.Unlock()
		if !seen {
			return false
		}
	}
	return true
}
