// Command ws-client is a WebSocket client in the golws model: it connects to
// an echo server (the lws-echo protocol of minimal-ws-server), sends -n
// messages one writeable at a time, prints each echo and closes.
//
// It runs on package client (client.Run: a connection without a server of
// its own). The connect is asynchronous, as in lws: the session's
// Established runs, or the attempt fails and Run says why. With -retry the
// client reconnects with backoff instead of giving up (lws's retry policy):
// start it before the server, or stop the server midway, and it connects
// when the server is there.
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
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:7681", "echo server to connect to")
	n := flag.Int("n", 3, "messages to send")
	retry := flag.Bool("retry", false, "reconnect with backoff until every echo came back")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *n, *retry, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session sends message i once the echo of message i-1 is back.
type session struct {
	n, sent, echoed int
	msg             []byte // the echo being reassembled
	out             io.Writer
	done            chan<- error
	retrying        bool // the client reconnects when the connection is lost
}

func (s *session) Established(c *conn.Conn) error {
	fmt.Fprintf(s.out, "connected to %s (%s)\n", c.Info().RemoteAddr, c.Info().Subprotocol)
	c.RequestWritable()
	return nil
}

func (s *session) Writeable(c *conn.Conn) error {
	if s.sent >= s.n || s.sent > s.echoed {
		return nil // nothing to send, or waiting for the echo
	}
	s.sent++
	return c.Write(conn.Text, fmt.Appendf(nil, "hello %d", s.sent))
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.msg = append(s.msg, in.Data...)
	if !in.Final {
		return nil
	}
	fmt.Fprintf(s.out, "echo: %s\n", s.msg)
	s.msg = s.msg[:0]
	if s.echoed++; s.echoed == s.n {
		client.Of(c).Close() // done: no reconnect (a plain close would be retried)
		return nil
	}
	c.RequestWritable()
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	var ce *conn.CloseError
	switch {
	case errors.As(err, &ce) && ce.Code == conn.StatusNormal && s.echoed == s.n:
		err = nil
	case s.retrying:
		fmt.Fprintf(s.out, "connection lost: %v\n", err)
		return // the client reconnects with a new session
	case err == nil:
		err = errors.New("closed before every echo came back")
	}
	s.done <- err
}

// checkURL refuses up front a URL that is not ws:// or wss://: lws would
// make an HTTP request of an http(s) URL, and this session sends messages.
func checkURL(url string) error {
	scheme, _, ok := strings.Cut(url, "://")
	switch scheme = strings.ToLower(scheme); {
	case ok && (scheme == "ws" || scheme == "wss"):
		return nil
	case ok && (scheme == "http" || scheme == "https"):
		return fmt.Errorf("ws-client: -url must be ws:// or wss:// (got %s); for HTTP use http-client", url)
	}
	return fmt.Errorf("ws-client: -url must be ws:// or wss://, such as ws://127.0.0.1:7681 (got %q)", url)
}

func run(ctx context.Context, url string, n int, retry bool, out io.Writer) error {
	if err := checkURL(url); err != nil {
		return err
	}
	verdict := make(chan error, 1) // the session's, as it closes
	proto := &lws.Protocol{
		Name: "lws-echo", // also the subprotocol offered
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{n: n, out: out, done: verdict, retrying: retry}
		},
	}
	o := client.Options{
		URL:             url,
		ConnectionError: func(*client.Client, error) {}, // Run returns it
		Logger:          logging.NewLogger(os.Stderr, logging.LevelWarn),
	}
	if retry {
		o.ConnectionError = nil // failures are retried, and OnRetry tells
		o.Retry = &client.Retry{Jitter: 20, OnRetry: func(_ *client.Client, attempt int, d time.Duration, err error) {
			fmt.Fprintf(out, "retry %d in %v: %v\n", attempt, d.Round(time.Millisecond), err)
		}}
	}
	err := client.Run(ctx, proto, o)
	select {
	case verr := <-verdict:
		if err == nil {
			err = verr
		}
	default:
	}
	return err
}
