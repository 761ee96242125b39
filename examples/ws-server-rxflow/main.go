// Command ws-server-rxflow shows rx flow control: every message a client
// sends goes to a slow downstream consumer (here one that takes 2 ms per
// message, like a slow disk or an onward connection). When the consumer's
// small queue is full, the connection turns rx off, so the client's sends
// stall in TCP instead of piling up in the server; when the consumer has
// room again, it asks the paused connections for a writeable callback, where
// they hand over their held message and turn rx back on.
//
// GET /stats reports what the consumer has taken, per connection, and how
// often connections were paused.
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
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2 (RFC 8441)
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// QueueLen is the downstream queue's capacity: the most messages in flight
// between all connections and the consumer.
const QueueLen = 4

// item is one message on its way downstream.
type item struct {
	conn uint64
	data []byte
}

// Stats is what the consumer has seen.
type Stats struct {
	Messages map[uint64]int `json:"messages"` // per connection ID
	Bytes    int            `json:"bytes"`
	Pauses   int            `json:"pauses"`   // times a connection turned rx off
	MaxQueue int            `json:"maxQueue"` // most items ever queued
}

// downstream is the slow consumer shared by the protocol's connections.
type downstream struct {
	queue chan item
	vp    *lws.VhostProtocol
	stop  chan struct{}
	done  chan struct{}

	mu    sync.Mutex
	stats Stats
}

func (d *downstream) consume(perItem time.Duration) {
	defer close(d.done)
	t := time.NewTicker(perItem)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case it := <-d.queue:
			select {
			case <-t.C: // the consumer is slow
			case <-d.stop:
				return
			}
			d.mu.Lock()
			d.stats.Messages[it.conn]++
			d.stats.Bytes += len(it.data)
			d.mu.Unlock()
			d.vp.RequestWritableAll() // room again: paused connections retry
		}
	}
}

func (d *downstream) offer(it item) bool {
	select {
	case d.queue <- it:
		d.mu.Lock()
		d.stats.MaxQueue = max(d.stats.MaxQueue, len(d.queue))
		d.mu.Unlock()
		return true
	default:
		return false
	}
}

func (d *downstream) snapshot() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Messages = make(map[uint64]int, len(d.stats.Messages))
	for k, v := range d.stats.Messages {
		s.Messages[k] = v
	}
	return s
}

// session holds at most one message the consumer could not take yet.
type session struct {
	d    *downstream
	held []byte
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	msg := append([]byte(nil), in.Data...)
	if s.d.offer(item{c.ID(), msg}) {
		return nil
	}
	s.held = msg
	c.SetRx(false) // downstream is full: stop reading this peer
	s.d.mu.Lock()
	s.d.stats.Pauses++
	s.d.mu.Unlock()
	return nil
}

func (s *session) Writeable(c *conn.Conn) error {
	if s.held == nil || !s.d.offer(item{c.ID(), s.held}) {
		return nil // nothing held, or still no room: wait for the next call
	}
	s.held = nil
	c.SetRx(true)
	return nil
}

func protocol(perItem time.Duration) *lws.Protocol {
	return &lws.Protocol{
		Name:         "lws-rxflow",
		RxBufferSize: 1024,
		Init: func(vp *lws.VhostProtocol) error {
			d := &downstream{queue: make(chan item, QueueLen), vp: vp,
				stop: make(chan struct{}), done: make(chan struct{}),
				stats: Stats{Messages: map[uint64]int{}}}
			vp.State = d
			go d.consume(perItem)
			return nil
		},
		Destroy: func(vp *lws.VhostProtocol) {
			d := vp.State.(*downstream)
			close(d.stop)
			<-d.done
		},
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session {
			return &session{d: vp.State.(*downstream)}
		},
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(nil)
	var d *downstream
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{protocol(2 * time.Millisecond)},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/stats" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(d.snapshot())
		}),
	})
	if err != nil {
		return err
	}
	d = v.Protocol("lws-rxflow").State.(*downstream)
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
