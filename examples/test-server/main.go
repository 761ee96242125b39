// Command test-server is golws's test server, what `make run` starts: the
// test plugins on one vhost — dumb-increment, lws-mirror, lws-echo and
// lws-status over WebSocket, protocol-post-demo on /formtest, and
// protocol-lws-raw-test as the raw fallback (telnet to the port) and on the
// FIFO /tmp/lws-test-raw — and a page at / that uses them. It is configured the lwsws way,
// by an embedded default configuration (default.json); -config and -confd
// name configuration files to use instead.
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
	_ "github.com/golws/lws/plugins/dumbinc"
	_ "github.com/golws/lws/plugins/echo"
	_ "github.com/golws/lws/plugins/mirror"
	_ "github.com/golws/lws/plugins/postdemo"
	_ "github.com/golws/lws/plugins/rawtest"
	_ "github.com/golws/lws/plugins/status"
)

// static is the page; configurations reach it as origin "file://test-server".
//
//go:embed static
var static embed.FS

// defaultConfig is the configuration used without -config and -confd.
//
//go:embed default.json
var defaultConfig []byte

func main() {
	addr := flag.String("addr", "", "if set, listen here instead of the configured 127.0.0.1:7681")
	config := flag.String("config", "", "a global configuration file to use instead of the embedded one")
	confd := flag.String("confd", "", "a directory of vhost configuration files to use instead of the embedded one")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, *config, *confd, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves the embedded configuration on addr.
func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, "", "", out)
}

func serve(ctx context.Context, addr, config, confd string, out io.Writer) error {
	cfg := &lws.Config{}
	var err error
	if config != "" || confd != "" {
		cfg, err = lws.LoadConfig(config, confd)
	} else {
		err = cfg.Parse("default.json (embedded)", defaultConfig)
	}
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
	site, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	c, err := lws.NewFromConfig(cfg, &lws.ApplyOptions{FS: map[string]fops.FS{"test-server": fops.FromFS(site)}})
	if err != nil {
		return err
	}
	for _, v := range c.Vhosts() {
		fmt.Fprintf(out, "listening on %s\n", v.URL())
	}
	return c.Run(ctx)
}
