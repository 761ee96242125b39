// Command raw-fallback is lws's echo over telnet: one port serves HTTP and
// WebSocket (the lws-echo protocol), and a connection whose first bytes
// are not an HTTP method — a telnet or nc user typing a line, or one who
// types nothing for -raw-timeout — is handed to the raw-test plugin
// (plugins/rawtest), which echoes every byte back, holding one chunk at a
// time with rx off so that a peer that does not read is slowed down by TCP.
//
//	raw-fallback -addr 127.0.0.1:7681 &
//	nc 127.0.0.1 7681           # type lines: they come back
//	curl http://127.0.0.1:7681/ # the same port still speaks HTTP
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/plugins/echo"
	"github.com/golws/lws/plugins/rawtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	timeout := flag.Duration("raw-timeout", lws.DefaultRawFallbackTimeout, "how long a silent connection may wait before it is taken for raw")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *timeout, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, lws.DefaultRawFallbackTimeout, out)
}

func serve(ctx context.Context, addr string, timeout time.Duration, out io.Writer) error {
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:      addr,
		Protocols:   []*lws.Protocol{echo.Protocol, rawtest.Protocol}, // lws-echo is the WebSocket default
		RawFallback: &lws.RawFallback{Protocol: rawtest.Name, Timeout: timeout},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintln(w, "raw-fallback: WebSocket lws-echo here; connect with nc or telnet for a raw echo")
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
