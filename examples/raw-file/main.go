// Command raw-file is lws's raw-test plugin FIFO: it creates a FIFO (by
// default /tmp/lws-test-raw), adopts it into the engine as a raw file
// connection, and prints what is written into it.
//
//	raw-file &
//	echo hello > /tmp/lws-test-raw   # raw-file prints: rx 6 bytes: "hello\n"
//
// The FIFO is opened for reading and writing, so writers may come and go:
// each one's data arrives, and the connection stays open until the program
// ends. A FIFO the program created is removed when it ends.
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
	"github.com/golws/lws/raw"
)

// DefaultFIFO is where lws's raw-test plugin puts its FIFO.
const DefaultFIFO = "/tmp/lws-test-raw"

func main() {
	fifo := flag.String("fifo", DefaultFIFO, "path of the FIFO to create and read")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *fifo, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session prints each read of the FIFO. Callbacks of one connection never
// run concurrently, and run prints nothing once the connection exists, so
// out needs no lock.
type session struct {
	conn.NopSession
	out io.Writer
}

func (s *session) Established(c *conn.Conn) error {
	fmt.Fprintf(s.out, "adopted %s\n", c.Transport().(*raw.File).File().Name())
	return nil
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	fmt.Fprintf(s.out, "rx %d bytes: %q\n", len(in.Data), in.Data)
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	var ce *conn.CloseError
	if err != nil && !errors.As(err, &ce) {
		fmt.Fprintf(s.out, "closed: %v\n", err)
	}
}

func run(ctx context.Context, path string, out io.Writer) error {
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{{
		Name:       "lws-raw-test",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &session{out: out} },
	}}})
	if err != nil {
		return err
	}
	f, created, err := raw.OpenFIFO(path, 0o666)
	if err != nil {
		return err
	}
	if created {
		defer os.Remove(path)
	}
	fmt.Fprintf(out, "listening on fifo:%s\n", path)
	if _, err := v.AdoptFile(f, "lws-raw-test"); err != nil {
		return err
	}
	return c.Run(ctx)
}
