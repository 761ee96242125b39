// Command ws-client-dumb connects to a server's dumb-increment-protocol
// (golws's ws-server-dumb-increment, or lws's own test server) and prints
// every number it receives, stopping after -n of them (0: until
// interrupted).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
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

func run(ctx context.Context, url string, n int, out io.Writer) error {
	err := client.Run(ctx, &lws.Protocol{
		Name: "dumb-increment-protocol",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{n: n, out: out}
		},
	}, client.Options{
		URL:             url,
		ConnectionError: func(*client.Client, error) {}, // Run returns it
		Logger:          logging.NewLogger(os.Stderr, logging.LevelWarn),
	})
	if ctx.Err() != nil {
		return nil // interrupted: the client closed with 1000
	}
	return err
}
