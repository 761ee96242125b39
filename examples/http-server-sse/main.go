// Command http-server-sse serves Server-Sent Events from a callback mount:
// /events is bound to the "sse" protocol, so each request there becomes a
// connection whose session writes the response from Writeable callbacks —
// the header (Content-Type: text/event-stream) first, then one event
// "id: N\ndata: ...\n\n" per Writeable. The connection's timer (SetTimer)
// only makes an event due and asks for a writeable; the event is produced
// when the client can take it, so a slow client gets fewer events, never a
// queue.
//
// A request with Last-Event-ID starts after that id, as EventSource sends
// when it reconnects. With -max N the server ends each response after N
// events, so browsers reconnect and carry on where they left off; -retry
// tells them how soon. The page at / shows the ids its EventSource receives.
//
//	curl -N http://127.0.0.1:7681/events
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// options configure the event stream.
type options struct {
	interval time.Duration // between events
	max      int           // events per response; 0: no end
	retry    time.Duration // the reconnection delay sent to clients; 0: theirs
}

var defaults = options{interval: time.Second}

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	flag.DurationVar(&defaults.interval, "interval", defaults.interval, "time between events")
	flag.IntVar(&defaults.max, "max", 0, "end each response after this many events (0: never)")
	flag.DurationVar(&defaults.retry, "retry", 0, "reconnection delay to send to clients (0: leave theirs)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

const page = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>golws server-sent events</title></head>
<body>
<h1>Server-sent events</h1>
<p>State: <span id="state">connecting</span>; last: <span id="last">none</span></p>
<ol id="ids"></ol>
<script>
const es = new EventSource("/events");
es.onopen = () => { document.getElementById("state").textContent = "open"; };
es.onerror = () => { document.getElementById("state").textContent = "reconnecting"; };
es.onmessage = (e) => {
  const li = document.createElement("li");
  li.textContent = e.lastEventId;
  document.getElementById("ids").append(li);
  document.getElementById("last").textContent = e.lastEventId + ": " + e.data;
};
</script>
</body></html>
`

func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, defaults, out)
}

func serve(ctx context.Context, addr string, o options, out io.Writer) error {
	sse := &lws.Protocol{
		Name: "sse",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{options: o}
		},
	}
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{sse},
		Mounts:    []mux.Mount{lws.CallbackMount("/events", sse.Name)},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}

// session is one event stream. Its callbacks never run concurrently, so
// its fields need no lock.
type session struct {
	conn.NopSession // the request has no body to read
	options
	id         int  // of the last event sent
	sent       int  // events sent on this connection
	headerSent bool // the first Writeable writes the header
	due        bool // set by Timer, taken by Writeable
	buf        []byte
}

// Established picks up after Last-Event-ID and asks for the writeable that
// sends the header.
func (s *session) Established(c *conn.Conn) error {
	if id, err := strconv.Atoi(mux.HTTPRequest(c).Header.Get("Last-Event-ID")); err == nil && id > 0 {
		s.id = id
	}
	c.RequestWritable()
	return nil
}

// Timer makes an event due; Writeable sends it when the client can take it.
func (s *session) Timer(c *conn.Conn) error {
	s.due = true
	c.RequestWritable()
	return nil
}

// Writeable sends the header, then one due event per call.
func (s *session) Writeable(c *conn.Conn) error {
	if !s.headerSent {
		s.headerSent = true
		c.SetTimer(s.interval)
		return c.WriteHeader(http.StatusOK, http.Header{
			"Content-Type":  {"text/event-stream"},
			"Cache-Control": {"no-cache"},
		})
	}
	if !s.due {
		return nil // not the timer's request
	}
	s.due = false
	s.id++
	s.sent++
	s.buf = s.buf[:0]
	if s.sent == 1 && s.retry > 0 {
		s.buf = fmt.Appendf(s.buf, "retry: %d\n", s.retry.Milliseconds())
	}
	s.buf = fmt.Appendf(s.buf, "id: %d\ndata: event %d at %s\n\n", s.id, s.id, time.Now().Format(time.TimeOnly))
	if s.max > 0 && s.sent >= s.max {
		c.Close(conn.StatusNormal, "") // after this last piece: the client reconnects
	} else {
		c.SetTimer(s.interval)
	}
	return c.Write(conn.Binary, s.buf)
}
