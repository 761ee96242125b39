package lws_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"
	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/echo"
)

// quiet keeps the examples' logs out of their output.
var quiet = &lws.Options{Logger: slog.New(slog.DiscardHandler)}

// exampleEcho sends "hello" over a WebSocket to url with subprotocol proto
// and returns the echo.
func exampleEcho(url, proto string) string {
	ctx := context.Background()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		log.Fatal(err)
	}
	defer ws.Close(websocket.StatusNormalClosure, "")
	if err := ws.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
		log.Fatal(err)
	}
	_, msg, err := ws.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	return string(msg)
}

// exampleRun runs c until the returned stop is called; stop waits for Run.
func exampleRun(c *lws.Server) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}
}

// A Server with one vhost serving the echo plugin on a port of its own.
func ExampleNew() {
	c := lws.New(quiet) // lws.New(nil): defaults, notices logged to stderr
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    "127.0.0.1:0",
		Protocols: []*lws.Protocol{echo.Protocol},
	})
	if err != nil {
		log.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }() // serves until runCtx ends

	fmt.Println(exampleEcho("ws://"+v.Addr().String(), echo.Name))
	cancel() // peers get 1001; Run returns once every connection ended
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output: hello
}

// echoSession is a conn.Session: one per connection, its callbacks never
// run concurrently. It holds one received chunk at most.
type echoSession struct {
	buf     []byte
	typ     conn.MessageType
	final   bool
	pending bool
}

func (s *echoSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf = append(s.buf[:0], in.Data...) // in.Data is valid only during the callback
	s.typ, s.final, s.pending = in.Type, in.Final, true
	c.SetRx(false)      // hold one chunk at most: the peer waits in TCP
	c.RequestWritable() // ask; do not write here
	return nil
}

func (s *echoSession) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil // writeables nobody asked for are legal
	}
	s.pending = false
	c.SetRx(true)
	return c.WriteFragment(s.typ, s.buf, s.final) // one write per callback
}

// A protocol of one's own: its NewSession makes each connection's Session.
func ExampleProtocol() {
	proto := &lws.Protocol{
		Name:       "my-echo",
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session { return new(echoSession) },
	}
	c := lws.New(quiet)
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{proto}})
	if err != nil {
		log.Fatal(err)
	}
	stop := exampleRun(c)
	defer stop()
	fmt.Println(exampleEcho("ws://"+v.Addr().String(), "my-echo"))
	// Output: hello
}

// helloSession answers an HTTP request of a callback mount.
type helloSession struct{ step int }

func (s *helloSession) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.Final { // the whole body is in (a GET: one empty chunk)
		c.RequestWritable()
	}
	return nil
}

func (s *helloSession) Writeable(c *conn.Conn) error {
	s.step++
	switch s.step {
	case 1:
		c.RequestWritable()
		return c.WriteHeader(http.StatusOK, http.Header{"Content-Type": {"text/plain"}})
	case 2:
		c.Close(conn.StatusNormal, "") // ends the response after this write
		return c.Write(conn.Text, []byte("hello from "+mux.HTTPRequest(c).URL.Path))
	}
	return nil
}

// Each request under a callback mount is a connection of its protocol.
func ExampleCallbackMount() {
	hello := &lws.Protocol{
		Name:       "hello",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return new(helloSession) },
	}
	c := lws.New(quiet)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    "127.0.0.1:0",
		Protocols: []*lws.Protocol{hello},
		Mounts:    []mux.Mount{lws.CallbackMount("/hello", "hello")},
	})
	if err != nil {
		log.Fatal(err)
	}
	stop := exampleRun(c)
	defer stop()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(v.URL() + "/hello/world")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	// Output: 200 OK hello from /hello/world
}

// golws mounted into a net/http server of one's own, next to other routes.
func ExampleServer_Handler() {
	c := lws.New(quiet)
	// A vhost without Listen: golws opens no socket of its own.
	if _, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{echo.Protocol}}); err != nil {
		log.Fatal(err)
	}
	// Start runs what lives beside the connections (Wake, adopted
	// listeners, raw dials); Close ends them all and runs Destroy.
	// http.Server does not track upgraded connections: a real server also
	// calls Close from http.Server.RegisterOnShutdown.
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	routes := http.NewServeMux()
	routes.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	routes.Handle("/ws/", c.Handler())
	srv := httptest.NewServer(routes)
	defer srv.Close()

	fmt.Println(exampleEcho(strings.Replace(srv.URL, "http", "ws", 1)+"/ws/", echo.Name))
	// Output: hello
}
