// Command http-client makes one HTTP(S) request in the golws model and
// prints the status line, the response headers and the body. The body
// arrives through Receive in chunks, read from the socket only while the
// session can take them (rx flow control); the headers come first, to the
// session's Response callback.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:7681/", "URL to request")
	method := flag.String("X", "GET", "request method")
	data := flag.String("d", "", "request body")
	insecure := flag.Bool("k", false, "accept any TLS certificate")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	req := request{url: *url, method: *method, body: *data}
	if *insecure {
		req.tls = &tls.Config{InsecureSkipVerify: true}
	}
	if err := run(ctx, req, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// request is what to ask for.
type request struct {
	url, method, body string
	tls               *tls.Config
}

// session prints the response as it arrives.
type session struct {
	conn.NopSession
	out  io.Writer
	done chan<- error
}

func (s *session) Response(c *conn.Conn, resp *http.Response) error {
	fmt.Fprintf(s.out, "%s %s\n", resp.Proto, resp.Status)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range resp.Header {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(s.out, "%s: %s\n", k, strings.Join(resp.Header[k], ", "))
	}
	fmt.Fprintln(s.out)
	return nil
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	_, err := s.out.Write(in.Data)
	return err
}

// Closed reports the end: io.EOF means the whole body came.
func (s *session) Closed(c *conn.Conn, err error) {
	if errors.Is(err, io.EOF) {
		err = nil
	}
	s.done <- err
}

func run(ctx context.Context, r request, out io.Writer) error {
	done := make(chan error, 1)
	proto := &lws.Protocol{
		Name: "http-client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{out: out, done: done}
		},
	}
	c := lws.New(&lws.Options{Logger: lws.NewLogger(os.Stderr, lws.LevelWarn)})
	vh, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{proto}})
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- c.Run(runCtx) }()

	o := lws.ConnectOptions{
		URL:             r.url,
		Method:          r.method,
		TLSConfig:       r.tls,
		ConnectionError: func(_ *lws.Client, err error) { done <- err },
	}
	if r.body != "" {
		o.Body = strings.NewReader(r.body)
	}
	if _, err = vh.Connect(o); err == nil {
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
