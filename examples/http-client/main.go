// Command http-client makes one HTTP(S) request in the golws model and
// prints the status line, the response headers and the body. The body
// arrives through Receive in chunks, read from the socket only while the
// session can take them (rx flow control); the headers come first, to the
// session's Response callback.
package main

import (
	"context"
	"crypto/tls"
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
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:7681/", "URL to request")
	method := flag.String("X", "GET", "request method")
	data := flag.String("d", "", "request body")
	insecure := flag.Bool("k", false, "accept any TLS certificate")
	var headers headerFlag
	flag.Var(&headers, "H", `request header "Name: value" (repeatable)`)
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	req := request{url: *url, method: *method, body: *data, header: http.Header(headers)}
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
	header            http.Header // from -H
	tls               *tls.Config
}

// headerFlag collects the -H "Name: value" flags.
type headerFlag http.Header

func (h *headerFlag) String() string { return "" }

func (h *headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf(`want "Name: value", such as "Accept: text/plain" (got %q)`, s)
	}
	if *h == nil {
		*h = headerFlag{}
	}
	http.Header(*h).Add(name, strings.TrimSpace(value))
	return nil
}

// checkURL refuses up front a URL that is not http:// or https://.
func checkURL(url string) error {
	scheme, _, ok := strings.Cut(url, "://")
	switch scheme = strings.ToLower(scheme); {
	case ok && (scheme == "http" || scheme == "https"):
		return nil
	case ok && (scheme == "ws" || scheme == "wss"):
		return fmt.Errorf("http-client: -url must be http:// or https:// (got %s); for WebSocket use ws-client", url)
	}
	return fmt.Errorf("http-client: -url must be http:// or https://, such as http://127.0.0.1:7681/ (got %q)", url)
}

// session prints the response as it arrives.
type session struct {
	conn.NopSession
	out io.Writer
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

func run(ctx context.Context, r request, out io.Writer) error {
	if err := checkURL(r.url); err != nil {
		return err
	}
	o := client.Options{
		URL:             r.url,
		Method:          r.method,
		Header:          r.header.Clone(),
		TLSConfig:       r.tls,
		ConnectionError: func(*client.Client, error) {}, // Run returns it
		Logger:          logging.NewLogger(os.Stderr, logging.LevelWarn),
	}
	if r.body != "" {
		o.Body = strings.NewReader(r.body)
		if o.Header.Get("Content-Type") == "" { // as curl -d does
			if o.Header == nil {
				o.Header = http.Header{}
			}
			o.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	return client.Run(ctx, &lws.Protocol{
		Name:       "http-client",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &session{out: out} },
	}, o)
}
