// Command http-server-cgi serves a CGI script on a CGI mount (lws's
// LWSMPRO_CGI) at /cgi: /cgi/stream prints a line a second and the client
// sees each line as it is printed; /cgi/chunked does the same with the
// script framing its own output in chunked encoding, which golws decodes
// (HTTP/2 forbids it); /cgi/env shows the CGI environment, including the
// mount's own variable DEMO_MOUNT (lws's cgienv). A script that runs past
// -timeout is killed with everything it started.
//
//	curl -N http://127.0.0.1:7681/cgi/stream
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/mux"
)

//go:embed cgi/demo.sh
var script []byte

var (
	timeout = flag.Duration("timeout", 30*time.Second, "kill a CGI script that runs longer")
	gate    = flag.String("gate", os.Getenv("CGI_DEMO_GATE"), "a FIFO the script waits on between lines instead of sleeping (for tests; default $CGI_DEMO_GATE)")
)

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
	// The script is part of the program: write it out to run it.
	dir, err := os.MkdirTemp("", "http-server-cgi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "demo.sh")
	if err := os.WriteFile(path, script, 0o755); err != nil {
		return err
	}
	env := map[string]string{"DEMO_MOUNT": "set by the mount"}
	if *gate != "" {
		env["GATE"] = *gate
	}
	cgi, err := mux.NewCGI("/cgi", path, &mux.CGIOptions{Env: env, Timeout: *timeout})
	if err != nil {
		return err
	}

	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen: addr,
		Mounts: []mux.Mount{{Path: "/cgi", Handler: cgi}},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
