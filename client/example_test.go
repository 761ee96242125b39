package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/plugins/echo"
)

// body prints an HTTP response body as it arrives.
type body struct{ conn.NopSession }

func (body) Receive(c *conn.Conn, in conn.Chunk) error {
	fmt.Print(string(in.Data))
	return nil
}

// An HTTP request whose response body arrives through a session, as in lws,
// with no server of one's own.
func ExampleRun() {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from", r.URL.Path)
	}))
	defer site.Close()

	err := client.Run(context.Background(), &lws.Protocol{
		Name:       "http-client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return body{} },
	}, client.Options{URL: site.URL + "/greeting", Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	// Output: hello from /greeting
}

// greetSession is a client session: it sends "hello" once connected and
// closes after the first reply.
type greetSession struct {
	got  chan<- string
	sent bool
}

func (s *greetSession) Established(c *conn.Conn) error {
	c.RequestWritable()
	return nil
}

func (s *greetSession) Writeable(c *conn.Conn) error {
	if s.sent {
		return nil
	}
	s.sent = true
	return c.Write(conn.Text, []byte("hello"))
}

func (s *greetSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.got <- string(in.Data)
	return conn.CloseWith(conn.StatusNormal, "done")
}

// A WebSocket client from a vhost of a Server (here the same Server that
// serves the echo): its session runs in the engine as a server's would.
func ExampleConnect() {
	got := make(chan string, 1)
	greeter := &lws.Protocol{
		Name:       echo.Name, // offered as the subprotocol
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &greetSession{got: got} },
	}
	c := lws.New(&lws.Options{Logger: quiet})
	server, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		log.Fatal(err)
	}
	vh, err := c.NewVhost(lws.VhostOptions{Name: "client", Protocols: []*lws.Protocol{greeter}})
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Start(); err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := client.Connect(vh, client.Options{URL: "ws://" + server.Addr().String()}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(<-got)
	// Output: hello
}
