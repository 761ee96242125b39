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

	err := client.Run(context.Background(), client.Options{
		ConnectOptions: lws.ConnectOptions{URL: site.URL + "/greeting"},
		Protocol: &lws.Protocol{
			Name:       "http-client",
			NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return body{} },
		},
		Logger: quiet,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: hello from /greeting
}
