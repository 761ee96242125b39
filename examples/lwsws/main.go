// Command lwsws is golws's generic server, the role of libwebsockets'
// lwsws: no server code, only configuration. It reads a global JSON file and
// a directory of per-vhost JSON files (lwsws's format: vhosts with their
// listeners, TLS files, mounts of file://, cgi://, http(s)://, >redirect
// and callback:// origins, and the plugin protocols they speak with their
// per-vhost options), and serves them until interrupted.
//
// The example configuration in conf and conf.d serves the test server's
// page and plugins:
//
//	go run ./examples/lwsws -config examples/lwsws/conf -confd examples/lwsws/conf.d
//
// -metrics serves Prometheus metrics (package metrics) at /metrics of every
// vhost.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/metrics"
	"github.com/golws/lws/mux"
	_ "github.com/golws/lws/plugins/dumbinc"
	_ "github.com/golws/lws/plugins/echo"
	_ "github.com/golws/lws/plugins/mirror"
	_ "github.com/golws/lws/plugins/postdemo"
	_ "github.com/golws/lws/plugins/rawtest"
	_ "github.com/golws/lws/plugins/status"
)

func main() {
	config := flag.String("config", "examples/lwsws/conf", "the global configuration file")
	confd := flag.String("confd", "examples/lwsws/conf.d", "the directory of per-vhost configuration files")
	addr := flag.String("addr", "", "if set, the first vhost listens here instead of its configured address")
	withMetrics := flag.Bool("metrics", false, "serve Prometheus metrics at /metrics of every vhost")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveWith(ctx, *config, *confd, *addr, *withMetrics, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// serve serves the configuration without metrics.
func serve(ctx context.Context, config, confd, addr string, out io.Writer) error {
	return serveWith(ctx, config, confd, addr, false, out)
}

// serveWith serves the configuration, with Prometheus metrics at /metrics
// of every vhost if withMetrics.
func serveWith(ctx context.Context, config, confd, addr string, withMetrics bool, out io.Writer) error {
	cfg, err := lwsws.Load(config, confd)
	if err != nil {
		return err
	}
	if len(cfg.Vhosts) == 0 {
		return fmt.Errorf("the configuration has no vhost")
	}
	if addr != "" {
		if err := cfg.ListenOn(addr); err != nil {
			return fmt.Errorf("-addr: %w", err)
		}
	}
	ao := &lwsws.Options{}
	if withMetrics {
		m := metrics.New(nil) // a registry of its own
		ao.Observer = m
		ao.Mounts = []mux.Mount{{Path: "/metrics", Handler: m.Handler()}}
	}
	c, err := lwsws.New(cfg, ao)
	if err != nil {
		if addr != "" && !errors.As(err, new(*lwsws.Error)) {
			err = fmt.Errorf("-addr: %w", err) // the address is the flag's, not the configuration's
		}
		return err
	}
	for _, v := range c.Vhosts() {
		fmt.Fprintf(out, "listening on %s\n", v.URL())
	}
	return c.Run(ctx)
}
