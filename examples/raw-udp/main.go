// Command raw-udp is a UDP echo server (lws's RAW UDP): every datagram goes
// back to its sender. The session keeps one datagram and its sender's
// address, with rx off until it has been sent, and sends it from its
// Writeable callback with WriteTo; a failed send is printed, not ignored.
//
//	raw-udp -addr 127.0.0.1:7681 &
//	socat - UDP:127.0.0.1:7681   # type lines: they come back
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "UDP address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// session is one UDP socket's state: the datagram waiting to go back.
type session struct {
	out     *syncWriter
	buf     []byte
	to      net.Addr
	pending bool
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf = append(s.buf[:0], in.Data...)
	s.to = in.Addr // a copy: safe to keep
	s.pending = true
	c.SetRx(false) // hold one datagram at a time
	c.RequestWritable()
	return nil
}

func (s *session) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	if err := c.WriteTo(s.buf, s.to); err != nil {
		// A send error (or a short send) is reported; UDP carries on.
		s.out.Printf("send to %v failed: %v\n", s.to, err)
	}
	return nil
}

func run(ctx context.Context, addr string, out io.Writer) error {
	w := &syncWriter{w: out}
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{{
		Name:         "udp-echo",
		RxBufferSize: 65536, // the largest datagram: none is cut
		NewSession:   func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &session{out: w} },
	}}})
	if err != nil {
		return err
	}
	uc, err := v.ListenUDP(addr, "udp-echo")
	if err != nil {
		return err
	}
	w.Printf("listening on udp://%s\n", uc.Info().Host)
	return c.Run(ctx)
}

// syncWriter serializes prints from callbacks and from run.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}
