// Command http-server-h2 serves HTTP/2 two ways, each next to HTTP/1.1:
//
//   - h2c (HTTP/2 over plain TCP with prior knowledge) on -addr;
//   - h2 over TLS, chosen by ALPN, on the next port (or a free one when
//     -addr has port 0), with a self-signed ECDSA certificate made at start.
//
// Both announce the same HTTP/2 settings: at most 128 concurrent streams,
// 256 KiB stream and 1 MiB connection windows, frames up to 64 KiB. Every
// response says which protocol carried it; /big is 1 MiB, to exercise flow
// control. Try
//
//	curl --http2-prior-knowledge http://127.0.0.1:7684/
//	curl -k --http2 https://127.0.0.1:7685/
//	nghttp -nv http://127.0.0.1:7684/
//	h2load -n 2000 -c 10 http://127.0.0.1:7684/
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/golws/lws"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2 (RFC 8441)
	"github.com/golws/lws/listen"
	"github.com/golws/lws/tlsconf"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7684", "address of the h2c listener; h2 over TLS listens on the next port")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// settings are the HTTP/2 settings of both listeners.
var settings = &http.HTTP2Config{
	MaxConcurrentStreams:          128,
	MaxReceiveBufferPerStream:     256 << 10,
	MaxReceiveBufferPerConnection: 128 * 256 << 10, // every stream's window at once: one stalled stream stops no other
	MaxReadFrameSize:              64 << 10,
}

var big = bytes.Repeat([]byte("golws h2 flow control\n"), (1<<20)/22+1)[:1<<20]

func handler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/":
		fmt.Fprintf(w, "hello over %s\n", r.Proto)
	case "/big":
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Write(big)
	default:
		http.NotFound(w, r)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	tlsPort := "0"
	if n, err := strconv.Atoi(port); err == nil && n != 0 {
		tlsPort = strconv.Itoa(n + 1)
	}
	cert, err := tlsconf.SelfSigned(0, "localhost", "127.0.0.1", "::1")
	if err != nil {
		return err
	}
	c := lws.New(nil)
	h2c, err := c.NewVhost(lws.VhostOptions{
		Name:     "h2c",
		Listen:   addr,
		HTTP:     http.HandlerFunc(handler),
		Listener: &listen.Options{H2C: true, HTTP2: settings},
	})
	if err != nil {
		return err
	}
	h2, err := c.NewVhost(lws.VhostOptions{
		Name:     "h2",
		Listen:   net.JoinHostPort(host, tlsPort),
		HTTP:     http.HandlerFunc(handler),
		Listener: &listen.Options{HTTP2: settings},
		TLS:      &lws.TLSOptions{Certificates: []tls.Certificate{cert}},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", h2c.URL())
	fmt.Fprintf(out, "listening on %s\n", h2.URL())
	return c.Run(ctx)
}
