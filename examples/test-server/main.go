// Command test-server is golws's test server, what `make run` starts: the
// test plugins on one vhost — dumb-increment, lws-mirror, lws-echo and
// lws-status over WebSocket, protocol-post-demo on /formtest, and
// protocol-lws-raw-test as the raw fallback (telnet to the port: the first
// bytes decide, so browsers' late requests still get HTTP) and on a FIFO —
// and a page at / that uses them. It is configured the lwsws way, by an
// embedded default configuration (default.json); -config and -confd name
// configuration files to use instead.
//
// The FIFO is per instance: by default lws-test-raw-PORT in the temporary
// directory (PORT being the vhost's listening port; printed at start), or
// the vhost's "fifo-path" option of protocol-lws-raw-test in a -config or
// -confd configuration. It is created and adopted only once the listeners
// are bound (a server that fails to start touches no FIFO), and removed when
// the server ends if the server created it.
//
// -metrics serves Prometheus metrics (package metrics) at /metrics of
// every vhost.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2 (RFC 8441)
	"github.com/golws/lws/lwsws"
	"github.com/golws/lws/metrics"
	"github.com/golws/lws/mux"
	_ "github.com/golws/lws/plugins/dumbinc"
	_ "github.com/golws/lws/plugins/echo"
	_ "github.com/golws/lws/plugins/mirror"
	_ "github.com/golws/lws/plugins/postdemo"
	"github.com/golws/lws/plugins/rawtest"
	_ "github.com/golws/lws/plugins/status"
	"github.com/golws/lws/raw"
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
	withMetrics := flag.Bool("metrics", false, "serve Prometheus metrics at /metrics")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serveWith(ctx, *addr, *config, *confd, *withMetrics, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves the embedded configuration on addr.
func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, "", "", out)
}

func serve(ctx context.Context, addr, config, confd string, out io.Writer) error {
	return serveWith(ctx, addr, config, confd, false, out)
}

// serveWith serves the configuration, with metrics at /metrics if
// withMetrics.
func serveWith(ctx context.Context, addr, config, confd string, withMetrics bool, out io.Writer) error {
	cfg := &lwsws.Config{}
	var err error
	embedded := config == "" && confd == ""
	if !embedded {
		cfg, err = lwsws.Load(config, confd)
	} else {
		err = cfg.Parse("default.json (embedded)", defaultConfig)
	}
	if err != nil {
		return err
	}
	fifos := takeFIFOs(cfg, embedded)
	if len(cfg.Vhosts) == 0 {
		return fmt.Errorf("the configuration has no vhost")
	}
	if addr != "" {
		if err := cfg.ListenOn(addr); err != nil {
			return fmt.Errorf("-addr: %w", err)
		}
	}
	site, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	ao := &lwsws.Options{FS: map[string]fops.FS{"test-server": fops.FromFS(site)}}
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
	created, err := adoptFIFOs(c, fifos, out)
	defer removeFIFOs(created)
	if err != nil {
		// Release the listeners and whatever was adopted: Run with a
		// context already done starts nothing and shuts it all down.
		done, cancel := context.WithCancel(ctx)
		cancel()
		c.Run(done)
		return err
	}
	for _, v := range c.Vhosts() {
		fmt.Fprintf(out, "listening on %s\n", v.URL())
	}
	return c.Run(ctx)
}

// takeFIFOs takes the raw-test FIFOs out of cfg, so that the plugin does
// not adopt them while the vhosts are made, before their listeners are
// bound; adoptFIFOs adopts them once they are. It returns the FIFO path of
// each vhost (by index) that gets one: its "fifo-path" option, or, for the
// embedded configuration, "" for the per-instance default.
func takeFIFOs(cfg *lwsws.Config, embedded bool) map[int]string {
	fifos := map[int]string{}
	for i := range cfg.Vhosts {
		vc := &cfg.Vhosts[i]
		opts, ok := vc.Protocols[rawtest.Name]
		if !ok {
			continue
		}
		if path := opts[rawtest.FIFOPathOption]; path != "" {
			fifos[i] = path
			rest := map[string]string{}
			for k, v := range opts {
				if k != rawtest.FIFOPathOption {
					rest[k] = v
				}
			}
			vc.Protocols[rawtest.Name] = rest
		} else if embedded {
			fifos[i] = ""
		}
	}
	return fifos
}

// defaultFIFOPath is the FIFO of a vhost listening on addr: one per port,
// so that instances do not share it.
func defaultFIFOPath(addr net.Addr) string {
	port := "0"
	if ta, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(ta.Port)
	}
	return filepath.Join(os.TempDir(), "lws-test-raw-"+port)
}

// adoptFIFOs creates (if need be) and adopts the FIFO of each vhost of
// fifos into protocol-lws-raw-test. It returns the paths it created, which
// the caller removes when the server ends, also on error.
func adoptFIFOs(c *lws.Server, fifos map[int]string, out io.Writer) (created []string, err error) {
	vhosts := c.Vhosts()
	for i, path := range fifos {
		if i >= len(vhosts) {
			continue
		}
		v := vhosts[i]
		if path == "" {
			path = defaultFIFOPath(v.Addr())
		}
		f, made, err := raw.OpenFIFO(path, 0o666)
		if err != nil {
			return created, fmt.Errorf("vhost %q: raw-test FIFO: %w", v.Name(), err)
		}
		if made {
			created = append(created, path)
		}
		if _, err := v.AdoptFile(f, rawtest.Name); err != nil { // closes f on error
			return created, fmt.Errorf("vhost %q: raw-test FIFO %s: %w", v.Name(), path, err)
		}
		fmt.Fprintf(out, "raw-test FIFO %s\n", path)
	}
	return created, nil
}

// removeFIFOs removes the FIFOs the server created.
func removeFIFOs(paths []string) {
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			log.Printf("removing the raw-test FIFO: %v", err)
		}
	}
}
