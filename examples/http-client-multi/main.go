// Command http-client-multi makes -n concurrent requests for one URL,
// pipelined (lws's LCCSCF_PIPELINE): against an HTTP/2 server they all run
// as streams of a single TCP connection, against an HTTP/1.1 server with
// keep-alive they go one after another over one connection. It prints each
// response and how many TCP connections were opened, counted by the
// dialer.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

func main() {
	url := flag.String("url", "https://127.0.0.1:7681/", "URL to request")
	n := flag.Int("n", 8, "concurrent requests")
	insecure := flag.Bool("k", false, "accept any TLS certificate")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg *tls.Config
	if *insecure {
		cfg = &tls.Config{InsecureSkipVerify: true}
	}
	if err := run(ctx, *url, *n, cfg, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// result is how one request ended.
type result struct {
	i      int
	proto  string
	status int
	bytes  int
	err    error
}

// session counts one response's body.
type session struct {
	conn.NopSession
	res     result
	results chan<- result
}

func (s *session) Response(c *conn.Conn, resp *http.Response) error {
	s.res.i = client.Of(c).Value().(int)
	s.res.proto, s.res.status = resp.Proto, resp.StatusCode
	return nil
}

func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.res.bytes += len(in.Data)
	return nil
}

func (s *session) Closed(c *conn.Conn, err error) {
	if !errors.Is(err, io.EOF) {
		s.res.err = err
	}
	s.results <- s.res
}

func run(ctx context.Context, url string, n int, cfg *tls.Config, out io.Writer) error {
	results := make(chan result, n)
	proto := &lws.Protocol{
		Name: "http-client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session {
			return &session{results: results}
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

	// One dialer for every request: requests share connections only when
	// they share the dialer and the TLS config.
	var dials atomic.Int64
	dialer := &net.Dialer{ControlContext: func(context.Context, string, string, syscall.RawConn) error {
		dials.Add(1)
		return nil
	}}
	for i := range n {
		_, err := client.Connect(vh, client.Options{
			URL:             url,
			TLSConfig:       cfg,
			Dialer:          dialer,
			Pipeline:        true,
			Value:           i,
			ConnectionError: func(h *client.Client, err error) { results <- result{i: h.Value().(int), err: err} },
		})
		if err != nil {
			return err
		}
	}
	byIndex := make([]result, n)
	for range n {
		select {
		case r := <-results:
			byIndex[r.i] = r
		case <-ctx.Done():
			stop()
			<-ran
			return ctx.Err()
		}
	}
	var failed error
	for _, r := range byIndex {
		if r.err != nil {
			fmt.Fprintf(out, "request %d: %v\n", r.i, r.err)
			failed = errors.Join(failed, r.err)
			continue
		}
		fmt.Fprintf(out, "request %d: %s %d, %d bytes\n", r.i, r.proto, r.status, r.bytes)
	}
	fmt.Fprintf(out, "%d requests over %d TCP connections\n", n, dials.Load())
	stop()
	if err := <-ran; failed == nil {
		failed = err
	}
	return failed
}
