// Command ws-client-dumb connects to a server's dumb-increment-protocol
// (golws's ws-server-dumb-increment, or lws's own test server) and prints
// every number it receives, stopping after -n of them (0: until
// interrupted).
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
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

func main() {
	url := flag.String("url", "ws://127.0.0.1:7681", "server to connect to")
	n := flag.Int("n", 0, "numbers to print before closing (0: until interrupted)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *url, *n, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session prints each number; it only receives.
type session struct {
	conn.NopSession
	n, got int
	num    []byte
	out    io.Writer
	done   chan<- error
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.num = append(s.num, in.Data...)
	if !in.Final {
		return nil
	}
	fmt.Fprintf(s.out, "%s\n", s.num)
	s.num = s.num[:0]
	if s.got++; s.got == s.n {
		return conn.CloseWith(conn.StatusNormal, "enough")
	}
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	var ce *conn.CloseError
	if err == nil || errors.As(err, &ce) && ce.Code == conn.StatusNormal {
		err = nil
	}
	s.done <- err
}

func run(ctx context.Context, url string, n int, out io.Writer) error {
	done := make(chan error, 1)
	proto := &lws.Protocol{
		Name: "dumb-increment-protocol",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{n: n, out: out, done: done}
		},
	}
	c := lws.New(&lws.Options{Logger: logging.NewLogger(os.Stderr, logging.LevelWarn)})
	vh, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{proto}})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- c.Run(runCtx) }()

	_, err = vh.Connect(lws.ConnectOptions{
		URL:             url,
		ConnectionError: func(_ *lws.Client, err error) { done <- err },
	})
	if err == nil {
		select {
		case err = <-done:
		case <-ctx.Done():
		}
	}
	stop()
	if rerr := <-ran; err == nil {
		err = rerr
	}
	return err
}
