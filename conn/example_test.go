package conn_test

import (
	"bytes"
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// shout answers each text message with it in upper case. It keeps one
// message at most: rx is off until the answer has gone out.
type shout struct{ msg []byte }

func (s *shout) Receive(c *conn.Conn, in conn.Chunk) error {
	s.msg = append(s.msg, in.Data...) // in.Data is valid only during the callback
	if in.Final {
		c.SetRx(false)
		c.RequestWritable()
	}
	return nil
}

func (s *shout) Writeable(c *conn.Conn) error {
	if s.msg == nil {
		return nil // a writeable nobody asked for
	}
	msg := bytes.ToUpper(s.msg)
	s.msg = nil
	c.SetRx(true)
	return c.Write(conn.Text, msg)
}

// The engine without package lws: an http.Handler accepts the WebSocket and
// starts a connection whose callbacks a Session receives; a Set tracks them.
func ExampleStart() {
	var set conn.Set
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := conn.AcceptWebSocket(w, r, nil)
		if err != nil {
			return
		}
		newSession := func(*conn.Conn) conn.Session { return new(shout) }
		conn.Start(ws, conn.InfoFromRequest(r, ""), newSession, &conn.Options{Set: &set})
	}))
	defer srv.Close()

	ctx := context.Background()
	client, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		log.Fatal(err)
	}
	client.Write(ctx, websocket.MessageText, []byte("hello"))
	_, msg, err := client.Read(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(msg))
	client.Close(websocket.StatusNormalClosure, "")
	if err := set.Wait(ctx); err != nil { // every connection's goroutines ended
		log.Fatal(err)
	}
	// Output: HELLO
}
