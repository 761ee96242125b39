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

	"github.com/golws/lws"
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
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *config, *confd, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func serve(ctx context.Context, config, confd, addr string, out io.Writer) error {
	cfg, err := lws.LoadConfig(config, confd)
	if err != nil {
		return err
	}
	if len(cfg.Vhosts) == 0 {
		return fmt.Errorf("the configuration has no vhost")
	}
	if addr != "" {
		if err := cfg.ListenOn(addr); err != nil {
			return err
		}
	}
	c, err := lws.NewFromConfig(cfg, nil)
	if err != nil {
		return err
	}
	for _, v := range c.Vhosts() {
		fmt.Fprintf(out, "listening on %s\n", v.URL())
	}
	return c.Run(ctx)
}
