package lws_test

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/listen"
)

// duplexCount is what one side of TestTwoPeersFullDuplex has received.
type duplexCount struct {
	got  atomic.Int64
	sent atomic.Int64
}

// duplexStreamer writes 64 KiB messages as fast as Writeable allows, until
// stop is set, and counts what it receives.
type duplexStreamer struct {
	n    *duplexCount
	stop *atomic.Bool
	out  []byte
}

func (s *duplexStreamer) Established(c *conn.Conn) error {
	c.RequestWritable()
	return nil
}

func (s *duplexStreamer) Receive(c *conn.Conn, in conn.Chunk) error {
	s.n.got.Add(int64(len(in.Data)))
	return nil
}

func (s *duplexStreamer) Writeable(c *conn.Conn) error {
	if s.stop.Load() {
		return nil
	}
	if err := c.Write(conn.Binary, s.out); err != nil {
		return err
	}
	s.n.sent.Add(int64(len(s.out)))
	c.RequestWritable()
	return nil
}

func duplexProtocol(n *duplexCount, stop *atomic.Bool) *lws.Protocol {
	return &lws.Protocol{
		Name: "duplex",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &duplexStreamer{n: n, stop: stop, out: bytes.Repeat([]byte{0x5a}, 64<<10)}
		},
	}
}

// TestTwoPeersFullDuplex checks that two golws peers that both write as
// fast as they may do not deadlock: a server protocol and a client made
// with client.Connect each stream 64 KiB messages to the other (a new one
// from every Writeable) while counting what they receive. Each side's
// sends block once the other's buffers are full; its reception must go on
// regardless, so both directions pass 32 MiB within 8 s. Then both stop
// writing and the client closes normally.
func TestTwoPeersFullDuplex(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1.1", true: "h2c-stream"}[h2], func(t *testing.T) { testTwoPeersFullDuplex(t, h2) })
	}
}

// testTwoPeersFullDuplex runs the duplex streams over an HTTP/1.1 upgrade,
// or (h2) over a stream of an h2c connection (RFC 8441).
func testTwoPeersFullDuplex(t *testing.T, h2 bool) {
	const (
		want   = 32 << 20
		within = 8 * time.Second
	)
	var srv, cli duplexCount
	var stop atomic.Bool
	vo := lws.VhostOptions{Protocols: []*lws.Protocol{duplexProtocol(&srv, &stop)}}
	if h2 {
		vo.Listener = &listen.Options{H2C: true}
	}
	server := lwstest.Serve(t, vo)

	cctx := lws.New(lwstest.Quiet())
	cvh, err := cctx.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{duplexProtocol(&cli, &stop)}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, cctx)
	h, err := client.Connect(cvh, client.Options{URL: lwstest.WS(server), HTTP2: h2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait(t, h); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if got := h.Response().ProtoMajor; got != map[bool]int{false: 1, true: 2}[h2] {
		t.Fatalf("connected over HTTP/%d", got)
	}

	start := time.Now()
	deadline := start.Add(within)
	for srv.got.Load() < want || cli.got.Load() < want {
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	report := func() string {
		return fmt.Sprintf("server received %.1f MiB (sent %.1f), client received %.1f MiB (sent %.1f)",
			mib(srv.got.Load()), mib(srv.sent.Load()), mib(cli.got.Load()), mib(cli.sent.Load()))
	}
	stop.Store(true)
	ok := srv.got.Load() >= want && cli.got.Load() >= want
	t.Logf("after %v: %s", time.Since(start).Round(time.Millisecond), report())
	if !ok {
		t.Errorf("after %v both directions should have passed 32 MiB: %s", within, report())
	}

	h.Close()
	select {
	case <-h.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("client did not end after Close")
	}
}

// mib is n bytes in MiB.
func mib(n int64) float64 { return float64(n) / (1 << 20) }
