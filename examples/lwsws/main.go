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
// vhost. -datadir sets what lws's "_lws_ddir_" stands for (default
// /usr/share, where Debian installs libwebsockets-test-server's files).
// Global "uid"/"gid" (or "username"/"groupname") make it drop root once
// its listeners are bound, as lwsws does.
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

	"github.com/golws/lws/daemon"
	_ "github.com/golws/lws/h2ws"        // WebSockets over HTTP/2 (RFC 8441)
	_ "github.com/golws/lws/hub/natshub" // the "nats" fan-out backend ("fanout" options)
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
	flag.StringVar(&dataDir, "datadir", lwsws.DefaultDataDir, "what _lws_ddir_ in the configuration stands for (lws's install data directory)")
	withMetrics := flag.Bool("metrics", false, "serve Prometheus metrics at /metrics of every vhost")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveWith(ctx, *config, *confd, *addr, *withMetrics, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// dataDir is what _lws_ddir_ expands to (-datadir).
var dataDir = lwsws.DefaultDataDir

// serve serves the configuration without metrics.
func serve(ctx context.Context, config, confd, addr string, out io.Writer) error {
	return serveWith(ctx, config, confd, addr, false, out)
}

// serveWith serves the configuration, with Prometheus metrics at /metrics
// of every vhost if withMetrics.
func serveWith(ctx context.Context, config, confd, addr string, withMetrics bool, out io.Writer) error {
	cfg := &lwsws.Config{DataDir: dataDir}
	if err := cfg.Load(config, confd); err != nil {
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
	// The listeners are bound: drop to the configured user and group, as
	// lwsws does, before serving anything.
	if cred := cfg.Global.Credentials(); !cred.IsZero() {
		uid, gid, err := cred.Resolve()
		if err == nil {
			err = daemon.DropPrivileges(uid, gid)
		}
		if err != nil {
			c.Close()
			return fmt.Errorf("global uid/gid/username/groupname: %w", err)
		}
	}
	for _, v := range c.Vhosts() {
		if u := v.URL(); u != "" {
			fmt.Fprintf(out, "listening on %s\n", u)
		}
	}
	return c.Run(ctx)
}
