// Command test-server is golws's test server, what `make run` starts: the
// dumb-increment, lws-mirror, lws-echo and lws-status plugins on one vhost,
// and a page at / that uses them all. A client naming no subprotocol gets
// dumb-increment.
package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/dumbinc"
	"github.com/golws/lws/plugins/echo"
	"github.com/golws/lws/plugins/mirror"
	"github.com/golws/lws/plugins/status"
)

//go:embed static
var static embed.FS

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	site, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen: addr,
		Protocols: []*lws.Protocol{
			lws.Plugin(dumbinc.Name), lws.Plugin(mirror.Name), lws.Plugin(echo.Name), lws.Plugin(status.Name),
		},
		ProtocolOptions: map[string]map[string]string{
			dumbinc.Name: {"default": "1"},
		},
		// A file mount of the embedded page; the framework adds /lws-common.js.
		Mounts: []mux.Mount{mux.FileMount("/", fops.FromFS(site), &mux.FileOptions{Default: "index.html"})},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
