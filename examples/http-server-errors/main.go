// Command http-server-errors shows lws's two ways of answering HTTP errors.
// The vhost names a 404 document (ErrorDocument404, lws
// error_document_404): a missing page is redirected to /404.html. Other
// errors get a synthesized page that links /error.css, which this site
// serves to style it: /private/ is a mount whose file system refuses
// everything (403), built with fops.FSFunc.
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
)

//go:embed htdocs
var htdocs embed.FS

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
	site, err := fs.Sub(htdocs, "htdocs")
	if err != nil {
		return err
	}
	private := fops.FSFunc(func(name string, _ fops.Flag) (fops.File, error) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	})
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:           addr,
		ErrorDocument404: "/404.html",
		Mounts: []mux.Mount{
			mux.FileMount("/", fops.FromFS(site), nil),
			mux.FileMount("/private", private, nil),
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
