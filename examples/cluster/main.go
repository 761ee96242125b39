// Command cluster is one node of a golws cluster: the lws-mirror protocol
// (the shared canvas of the test page) with its fan-out carried by NATS, so
// that a stroke drawn by a client of any node reaches the clients of every
// node.
//
// Each node runs an embedded NATS server and routes it to the others' into
// one NATS cluster, so N nodes need no other service:
//
//	cluster -addr :7681 -cluster-listen :6222 -routes host1:6222,host2:6222,host3:6222
//
// (the same -routes on every node; a route to itself is ignored). With
// NATS servers of your own, give their URLs instead and embed none (and
// with no NATS option at all, the node is a single in-process mirror):
//
//	cluster -addr :7681 -nats-urls nats://nats1:4222,nats://nats2:4222
//
// Put the nodes behind a load balancer; a client whose node goes away
// reconnects through it to another.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/golws/lws"
	_ "github.com/golws/lws/hub/natshub" // registers the "nats" backend
	"github.com/golws/lws/plugins/mirror"
)

// settings are a node's NATS options, as the mirror protocol's per-vhost
// options (the same keys the lwsws JSON gives under "ws-protocols").
type settings struct {
	name, natsListen, clusterListen, routes, natsURLs, policy string
}

// options are the mirror's protocol options for s: the NATS backend, or
// the in-process one when s names no NATS at all.
func (s settings) options() map[string]string {
	o := map[string]string{"backend": "nats", "nats-name": s.name}
	if s.natsListen == "" && s.clusterListen == "" && s.natsURLs == "" {
		o = map[string]string{"backend": "local"}
	}
	for k, v := range map[string]string{
		"nats-listen":         s.natsListen,
		"nats-cluster-listen": s.clusterListen,
		"nats-routes":         s.routes,
		"nats-urls":           s.natsURLs,
		"ring-policy":         s.policy,
	} {
		if v != "" {
			o[k] = v
		}
	}
	return o
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to serve WebSocket clients on")
	var s settings
	flag.StringVar(&s.name, "name", "", "this node's name (NATS server and connection)")
	flag.StringVar(&s.natsListen, "nats-listen", "", "host:port for the embedded NATS server's clients")
	flag.StringVar(&s.clusterListen, "cluster-listen", "", "host:port for routes from the other nodes' embedded NATS servers")
	flag.StringVar(&s.routes, "routes", "", "comma-separated cluster addresses of the nodes to route to")
	flag.StringVar(&s.natsURLs, "nats-urls", "", "comma-separated URLs of NATS servers to use instead of an embedded one")
	flag.StringVar(&s.policy, "policy", "", "ring policy for slow clients: skip (default), drop or block")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout, s); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, out, settings{name: "solo", clusterListen: "127.0.0.1:0"})
}

func serve(ctx context.Context, addr string, out io.Writer, s settings) error {
	srv := lws.New(nil)
	var vp *lws.VhostProtocol
	v, err := srv.NewVhost(lws.VhostOptions{
		Listen:          addr,
		Protocols:       []*lws.Protocol{mirror.Protocol},
		ProtocolOptions: map[string]map[string]string{mirror.Name: s.options()},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st := mirror.HubStats(vp)
			fmt.Fprintf(w, "node %s: instances %v, published %d, delivered %d, lost %d\n",
				s.name, mirror.Instances(vp), st.Published, st.Delivered, st.Lost)
		}),
	})
	if err != nil {
		return err
	}
	vp = v.Protocol(mirror.Name)
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return srv.Run(ctx)
}
