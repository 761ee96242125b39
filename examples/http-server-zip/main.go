// Command http-server-zip serves the pages inside a zip archive, as the lws
// test server serves candide.zip at /ziptest: a mount whose file system is
// an fops.Zip. A client that accepts gzip gets a deflated entry's data as
// it is in the archive, framed as gzip (Content-Encoding: gzip), without
// recompressing; other clients get it inflated, one buffer at a time.
//
// Without -zip it serves its built-in candide.zip (a page and a jpg); open
// /ziptest/ (its default document is candide.html).
package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"testing/fstest"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/mux"
)

//go:embed candide.zip
var candide []byte

const index = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>golws zip mount</title></head>
<body><p><a href="/ziptest/candide.html">Candide, from inside a zip</a></p></body></html>
`

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	zipPath := flag.String("zip", "", "zip archive to serve at /ziptest (default: the built-in candide.zip)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *zipPath, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error { return serve(ctx, addr, "", out) }

func serve(ctx context.Context, addr, zipPath string, out io.Writer) error {
	var z *fops.Zip
	var err error
	if zipPath == "" {
		z, err = fops.NewZip(bytes.NewReader(candide), int64(len(candide)))
	} else {
		z, err = fops.OpenZip(zipPath)
	}
	if err != nil {
		return err
	}
	defer z.Close()
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen: addr,
		Mounts: []mux.Mount{
			mux.FileMount("/", fops.FromFS(fstest.MapFS{"index.html": {Data: []byte(index)}}), nil),
			mux.FileMount("/ziptest", z, &mux.FileOptions{Default: "candide.html", MaxAge: 3600, Reusable: true, Intermediaries: true}),
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
