// Command http-server-proxy shows golws's origin mounts on one vhost:
//
//   - /proxy is a proxy mount (lws's LWSMPRO_HTTP) to an origin: requests
//     below it go to the origin's path, and WebSocket upgrades pass through
//     to the origin's protocols;
//   - /old is a redirect mount answering 301 to the same path at the origin;
//   - /moved is a redirect mount answering 302 to an https:// origin.
//
// The origin is, unless -origin names another, a second golws vhost that
// this program starts on a port of its own: it speaks the echo protocol and
// answers plain requests with what it saw of them.
//
//	curl -i http://127.0.0.1:7681/proxy/hello?x=1
//	curl -I http://127.0.0.1:7681/old/hello
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

	"github.com/golws/lws"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/echo"
)

var origin = flag.String("origin", "", "the proxy mount's origin (default: a built-in echo backend)")

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// backend answers a plain request with what it saw of it.
func backend(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "backend: %s %s from %s via %s\n", r.Method, r.URL.RequestURI(),
		r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Host"))
}

func run(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(nil)
	target := *origin
	if target == "" {
		be, err := c.NewVhost(lws.VhostOptions{
			Name:      "backend",
			Listen:    "127.0.0.1:0",
			Protocols: []*lws.Protocol{echo.Protocol},
			HTTP:      http.HandlerFunc(backend),
		})
		if err != nil {
			return err
		}
		target = be.URL() + "/app"
	}
	proxy, err := mux.NewProxy("/proxy", target, &mux.ProxyOptions{Logger: c.Logger()})
	if err != nil {
		return err
	}
	old, err := mux.NewRedirect("/old", target, http.StatusMovedPermanently)
	if err != nil {
		return err
	}
	moved, err := mux.NewRedirect("/moved", "https://libwebsockets.org/", http.StatusFound)
	if err != nil {
		return err
	}
	v, err := c.NewVhost(lws.VhostOptions{
		Listen: addr,
		Mounts: []mux.Mount{
			{Path: "/proxy", Handler: proxy},
			{Path: "/old", Handler: old},
			{Path: "/moved", Handler: moved},
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
