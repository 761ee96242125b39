// Command ws-server-threads shows producers in other goroutines feeding every
// client: two producer goroutines publish messages to a hub topic (a bounded
// ring per node) whose Notify is Server.Wake; the protocol's Wake callback
// asks all its connections for a writeable, and each connection sends from
// its own subscription, as fast as its peer takes them. Each message is a
// conn.Prepared: compressed once for every client that compresses without
// context takeover.
//
// A client that cannot keep up is never buffered for: when the producers lap
// its tail, it skips ahead to the oldest message still held and is sent a
// "[skipped N]" notice. GET /stats reports the connections and the skips.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	interval := flag.Duration("interval", 100*time.Millisecond, "time between a producer's messages")
	size := flag.Int("size", 0, "pad each message to this many bytes")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout, settings{*interval, *size}); err != nil {
		log.Fatal(err)
	}
}

// RingSize is how many messages the topic's ring holds: how far a client may
// fall behind before it skips.
const RingSize = 64

type settings struct {
	interval time.Duration // between one producer's messages
	size     int           // messages are padded to this size
}

// Stats is what GET /stats reports.
type Stats struct {
	Connections int    `json:"connections"`
	Produced    uint64 `json:"produced"`
	Skipped     uint64 `json:"skipped"` // messages clients missed
}

// shared is the protocol's per-vhost state: the hub, its topic and the
// producers.
type shared struct {
	hub      *hub.Hub
	topic    *hub.Topic
	produced atomic.Uint64
	skipped  atomic.Uint64
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

func (s *shared) produce(ctx context.Context, id int, st settings) {
	defer s.wg.Done()
	t := time.NewTicker(st.interval)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		msg := fmt.Appendf(nil, "producer %d: message %d", id, n)
		for len(msg) < st.size {
			msg = append(msg, '.')
		}
		// The hub's Notify is Server.Wake (lws_cancel_service): the Wake
		// callback reaches the connections.
		if s.topic.Publish(ctx, hub.NewMessage(conn.Text, msg)) == nil {
			s.produced.Add(1)
		}
	}
}

// session sends from its own subscription to the topic.
type session struct {
	sh      *shared
	sub     *hub.Subscription
	skipped uint64 // skips already reported to the peer
}

func (s *session) Receive(*conn.Conn, conn.Chunk) error { return nil }

func (s *session) Writeable(c *conn.Conn) error {
	if sk := s.sub.Skipped(); sk > s.skipped {
		s.sh.skipped.Add(sk - s.skipped)
		msg := fmt.Appendf(nil, "[skipped %d]", sk-s.skipped)
		s.skipped = sk
		c.RequestWritable()
		return c.Write(conn.Text, msg)
	}
	msg, ok := s.sub.Next()
	if !ok {
		return nil // caught up; the next Wake brings more
	}
	if s.sub.Lag() > 0 {
		c.RequestWritable() // more is waiting: come back when the peer can take it
	}
	return c.WritePrepared(msg.Prepared())
}

func (s *session) Closed(*conn.Conn, error) { s.sub.Close() }

func protocol(srv *lws.Server, st settings) *lws.Protocol {
	return &lws.Protocol{
		Name: "lws-threads",
		Init: func(vp *lws.VhostProtocol) error {
			// The protocol's options may choose another policy or a
			// backend (see hub.FromConfig).
			h, err := hub.FromConfig(vp.Options, hub.Options{Size: RingSize, Policy: flow.Skip, Notify: srv.Wake})
			if err != nil {
				return err
			}
			topic, err := h.Topic("threads")
			if err != nil {
				h.Close()
				return err
			}
			ctx, stop := context.WithCancel(context.Background())
			sh := &shared{hub: h, topic: topic, stop: stop}
			vp.State = sh
			for id := range 2 {
				sh.wg.Add(1)
				go sh.produce(ctx, id, st)
			}
			return nil
		},
		Destroy: func(vp *lws.VhostProtocol) {
			sh := vp.State.(*shared)
			sh.stop()
			sh.wg.Wait()
			sh.topic.Close()
			sh.hub.Close()
		},
		Wake: func(vp *lws.VhostProtocol) { vp.RequestWritableAll() },
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
			sh := vp.State.(*shared)
			return &session{sh: sh, sub: sh.topic.Subscribe(nil)}
		},
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, out, settings{interval: 100 * time.Millisecond})
}

func serve(ctx context.Context, addr string, out io.Writer, st settings) error {
	c := lws.New(nil)
	var vp *lws.VhostProtocol
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{protocol(c, st)},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sh := vp.State.(*shared)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(Stats{vp.Len(), sh.produced.Load(), sh.skipped.Load()})
		}),
	})
	if err != nil {
		return err
	}
	vp = v.Protocol("lws-threads")
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
