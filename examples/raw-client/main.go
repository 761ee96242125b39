// Command raw-client opens a raw TCP client connection (lws's client
// method "RAW", like libwebsockets-test-client raw://host:port), prints
// what it receives, and sends either -send or its standard input, one line
// per writeable. It ends when the server closes the connection.
//
//	nc -l 127.0.0.1 9999 &
//	raw-client -connect 127.0.0.1:9999 -send 'hello\n'
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

func main() {
	addr := flag.String("connect", "127.0.0.1:7681", "TCP address to connect to")
	send := flag.String("send", "", `send this (Go escapes such as \n work) instead of standard input`)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in := io.Reader(os.Stdin)
	if *send != "" {
		s, err := strconv.Unquote(`"` + *send + `"`)
		if err != nil {
			log.Fatalf("-send %q: %v", *send, err)
		}
		in = nil
		*send = s
	}
	if err := run(ctx, *addr, *send, in, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session writes what it receives to out, and sends send (once) or the
// lines that a feeder goroutine hands over one at a time.
type session struct {
	out   io.Writer
	send  []byte       // sent in the first writeable, if not empty
	in    io.Reader    // read by the feeder, if not nil
	lines chan []byte  // feeder → Writeable; one line at most
	ended chan<- error // the connection's end
}

func (s *session) Established(c *conn.Conn) error {
	if len(s.send) > 0 {
		c.RequestWritable()
	}
	if s.in != nil {
		s.lines = make(chan []byte, 1)
		go feed(c, s.in, s.lines)
	}
	return nil
}

// feed reads in line by line and hands each line over once the previous
// one has been sent, asking for a writeable: the connection sets the pace.
// It ends at the end of in or when the connection ends (a read of a
// terminal blocked at that moment ends with the program).
func feed(c *conn.Conn, in io.Reader, lines chan<- []byte) {
	br := bufio.NewReader(in)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			select {
			case lines <- line:
				c.RequestWritable()
			case <-c.Done():
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	_, err := s.out.Write(in.Data)
	return err
}

func (s *session) Writeable(c *conn.Conn) error {
	if len(s.send) > 0 {
		p := s.send
		s.send = nil
		return c.Write(conn.Binary, p)
	}
	select {
	case line := <-s.lines:
		return c.Write(conn.Binary, line)
	default:
		return nil // nothing to send yet
	}
}

// Closed reports the end: the server closing (EOF) or our own close at
// shutdown is a normal end.
func (s *session) Closed(c *conn.Conn, err error) {
	var ce *conn.CloseError
	if errors.Is(err, io.EOF) || errors.As(err, &ce) {
		err = nil
	}
	s.ended <- err
}

func run(ctx context.Context, addr, send string, in io.Reader, out io.Writer) error {
	ended := make(chan error, 1) // Closed or ConnectError: exactly one of them
	c := lws.New(&lws.Options{Logger: logging.NewLogger(os.Stderr, logging.LevelWarn)})
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{{
		Name: "raw-client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{out: out, send: []byte(send), in: in, ended: ended}
		},
		ConnectError: func(_ *lws.VhostProtocol, err *lws.DialError) { ended <- err },
	}}})
	if err != nil {
		return err
	}
	if err := v.DialRaw(ctx, addr, "raw-client"); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- c.Run(runCtx) }()
	var result error
	select {
	case result = <-ended:
	case <-ctx.Done():
	}
	cancel()
	if err := <-stopped; err != nil {
		return fmt.Errorf("raw-client: %w", err)
	}
	return result
}
