package lws_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/mux"
)

// greeter answers a callback-mount request with its vhost option
// "greeting" and the request path, once the body is in.
type greeter struct {
	vp   *lws.VhostProtocol
	step int
}

func (s *greeter) Receive(c *conn.Conn, in conn.Chunk) error {
	if in.Final {
		c.RequestWritable()
	}
	return nil
}

func (s *greeter) Writeable(c *conn.Conn) error {
	s.step++
	switch s.step {
	case 1:
		c.RequestWritable()
		return c.WriteHeader(http.StatusOK, http.Header{"Content-Type": {"text/plain"}})
	case 2:
		c.Close(conn.StatusNormal, "")
		return c.Write(conn.Text, []byte(s.vp.Options["greeting"]+" "+mux.HTTPRequest(c).URL.Path))
	}
	return nil
}

func TestCallbackMount(t *testing.T) {
	proto := &lws.Protocol{
		Name:       "greeter",
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session { return &greeter{vp: vp} },
	}
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:          "127.0.0.1:0",
		Protocols:       []*lws.Protocol{proto},
		ProtocolOptions: map[string]map[string]string{"greeter": {"greeting": "hi"}},
		Mounts:          []mux.Mount{lws.CallbackMount("/greet", "greeter")},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	resp, err := http.Post(v.URL()+"/greet/there", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hi /greet/there" {
		t.Fatalf("got %q", b)
	}
	// The request was a connection of the protocol, tracked on the vhost.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for v.Protocol("greeter").Len() != 0 {
		if ctx.Err() != nil {
			t.Fatal("callback connection still tracked")
		}
		time.Sleep(5 * time.Millisecond) // bounded poll: Closed runs after the response
	}

	_, err = lws.New(nil).NewVhost(lws.VhostOptions{
		Protocols: []*lws.Protocol{proto},
		Mounts:    []mux.Mount{lws.CallbackMount("/x", "missing")},
	})
	if err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Fatalf("unknown protocol in a callback mount: %v", err)
	}
}
