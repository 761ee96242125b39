// Command http-server serves a directory with a golws file mount: the
// default document for directories, MIME types, Last-Modified / ETag /
// Range, and cache headers from the mount's options. The mount's file
// system is an fops.Overlay: /status.txt comes from memory, made at start,
// everything else from the directory (-root). The page at / greys itself
// out (lws-common.js) while its WebSocket to the echo protocol is down.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"testing/fstest"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/echo"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	root := flag.String("root", "examples/http-server/htdocs", "directory to serve")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *root, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func serve(ctx context.Context, addr, dir string, out io.Writer) error {
	disk, err := fops.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer disk.Close()
	started := time.Now()
	memory := fops.FromFS(fstest.MapFS{
		"status.txt": {Data: fmt.Appendf(nil, "served by golws since %s\n", started.Format(time.RFC3339)), ModTime: started},
	})
	site := fops.Overlay{memory, disk}

	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{echo.Protocol},
		Mounts: []mux.Mount{
			mux.FileMount("/", site, &mux.FileOptions{
				Default:   "index.html",
				ExtraMIME: map[string]string{".md": "text/markdown; charset=utf-8"},
				MaxAge:    600,
				Reusable:  true,
			}),
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
