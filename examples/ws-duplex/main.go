// Command ws-duplex shows that a golws connection is full duplex: a server
// and a client stream binary messages to each other over one WebSocket, at
// full speed and at the same time. Each side's Writeable writes one message
// and at once asks for the next writeable; each side's Receive only counts
// bytes.
//
// This is lws's promise: a send that waits for the peer never stops
// reception. Both peers here send far more than the socket buffers hold, so
// each one's writes keep waiting for the other to read; the connection
// keeps moving only because every side goes on reading while its own write
// waits.
//
// -mode both (the default) runs the server and the client in one process;
// -mode server only serves the "lws-duplex" protocol on -addr (any duplex
// client may connect); -mode client connects to the duplex server at -url.
// The client streams for -duration (or until both directions have moved
// -bytes) and prints, every second and at the end, "up X MB/s down Y MB/s"
// (up: client → server, down: server → client), then the totals. It fails
// if either direction moved no data.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2 (RFC 8441)
	"github.com/golws/lws/logging"
)

// ProtocolName is the protocol's name, also the subprotocol the client
// offers.
const ProtocolName = "lws-duplex"

// options are the command line's.
type options struct {
	mode     string // both, server or client
	addr     string // where the server listens
	url      string // where the client connects (client mode)
	size     int    // bytes per message
	duration time.Duration
	bytes    int64 // when positive, the client stops once both directions moved this much
}

func main() {
	var o options
	flag.StringVar(&o.mode, "mode", "both", "both, server or client")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:7690", "address the server listens on")
	flag.StringVar(&o.url, "url", "ws://127.0.0.1:7690", "duplex server the client connects to (-mode client)")
	flag.IntVar(&o.size, "size", 64<<10, "bytes per message")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long the client streams")
	flag.Int64Var(&o.bytes, "bytes", 0, "stop sooner, at the first report where both directions moved this many bytes (0: run for -duration)")
	flag.Parse()
	if o.mode != "both" && o.mode != "server" && o.mode != "client" {
		log.Fatalf("-mode %q: want both, server or client", o.mode)
	}
	if o.size < 0 {
		log.Fatalf("-size %d: want 0 or more", o.size)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, _, err := run(ctx, o, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session is one side of a connection: it writes a message every
// writeable and counts what it has sent and received.
type session struct {
	msg            []byte
	sent, received atomic.Int64 // read by the client's reporting loop
	closed         chan<- error // the client's: Closed reports here
}

func (s *session) Established(c *conn.Conn) error {
	c.RequestWritable()
	return nil
}

func (s *session) Writeable(c *conn.Conn) error {
	if err := c.Write(conn.Binary, s.msg); err != nil {
		return err
	}
	s.sent.Add(int64(len(s.msg)))
	c.RequestWritable() // the next message as soon as the peer can take it
	return nil
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.received.Add(int64(len(in.Data)))
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	if s.closed != nil {
		s.closed <- err
	}
}

func protocol(size int, closed chan<- error) *lws.Protocol {
	return &lws.Protocol{
		Name: ProtocolName,
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{msg: make([]byte, size), closed: closed}
		},
	}
}

// run serves (unless o.mode is client) and streams from a client (unless
// o.mode is server). It returns once the client is done, or in server mode
// when ctx ends, with the bytes the client sent and received.
func run(ctx context.Context, o options, out io.Writer) (up, down int64, err error) {
	lc := lws.New(&lws.Options{Logger: logging.NewLogger(os.Stderr, logging.LevelWarn)})
	if o.mode != "client" {
		v, err := lc.NewVhost(lws.VhostOptions{Listen: o.addr, Protocols: []*lws.Protocol{protocol(o.size, nil)}})
		if err != nil {
			return 0, 0, err
		}
		fmt.Fprintf(out, "listening on %s\n", v.URL())
		o.url = "ws" + strings.TrimPrefix(v.URL(), "http")
	}
	closed := make(chan error, 1)
	var client *lws.Vhost
	if o.mode != "server" {
		client, err = lc.NewVhost(lws.VhostOptions{Name: "client", Protocols: []*lws.Protocol{protocol(o.size, closed)}})
		if err != nil {
			return 0, 0, err
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- lc.Run(runCtx) }()
	if client != nil {
		up, down, err = stream(ctx, client, o, closed, out)
		stop()
	}
	if rerr := <-ran; err == nil {
		err = rerr
	}
	return up, down, err
}

// stream connects to o.url and reports the client's throughput every
// second until o.duration has passed (or o.bytes have moved both ways),
// then closes and prints the totals.
func stream(ctx context.Context, v *lws.Vhost, o options, closed <-chan error, out io.Writer) (up, down int64, err error) {
	cl, err := client.Connect(v, client.Options{
		URL:             o.url,
		ConnectionError: func(*client.Client, error) {}, // Wait returns it
	})
	if err != nil {
		return 0, 0, err
	}
	c, err := cl.Connected(ctx)
	if err != nil {
		return 0, 0, err
	}
	s := c.Session().(*session)
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := time.NewTimer(o.duration)
	defer end.Stop()
	last, lastUp, lastDown := start, int64(0), int64(0)
	ended := false // the connection ended before we closed it
loop:
	for {
		select {
		case now := <-tick.C:
			u, d := s.sent.Load(), s.received.Load()
			report(out, u-lastUp, d-lastDown, now.Sub(last), "")
			last, lastUp, lastDown = now, u, d
			if o.bytes > 0 && u >= o.bytes && d >= o.bytes {
				break loop
			}
		case <-end.C:
			break loop
		case <-ctx.Done():
			break loop // interrupted: still report what moved
		case cerr := <-closed:
			ended, err = true, fmt.Errorf("connection ended after %v: %v", time.Since(start).Round(time.Millisecond), cerr)
			break loop
		}
	}
	elapsed := time.Since(start)
	up, down = s.sent.Load(), s.received.Load()
	if !ended {
		cl.Close()
		<-closed
	}
	report(out, up, down, elapsed, " average")
	fmt.Fprintf(out, "total up %d bytes down %d bytes in %v\n", up, down, elapsed.Round(time.Millisecond))
	if err == nil && (up == 0 || down == 0) {
		err = errors.New("a direction moved no data")
	}
	return up, down, err
}

func report(out io.Writer, up, down int64, d time.Duration, suffix string) {
	mbps := func(n int64) float64 { return float64(n) / 1e6 / d.Seconds() }
	fmt.Fprintf(out, "up %.1f MB/s down %.1f MB/s%s\n", mbps(up), mbps(down), suffix)
}
