// Command http-server-vhosts serves three vhosts on one TLS port:
//
//   - "localhost", the listener's default, for any name no other vhost
//     takes (and for clients that send no SNI, such as those using an IP);
//   - "alpha.test", reached by that exact name;
//   - "beta.test", reached by that name and, as a wildcard, by any name
//     under it ("x.beta.test").
//
// Each vhost has its own self-signed ECDSA certificate, made at start: the
// TLS SNI name picks the certificate, the Host header picks the vhost that
// answers. Try
//
//	curl -k --resolve alpha.test:7683:127.0.0.1 https://alpha.test:7683/
//	curl -k --resolve x.beta.test:7683:127.0.0.1 https://x.beta.test:7683/
//	curl -k -H 'Host: beta.test' https://127.0.0.1:7683/
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/golws/lws"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2 (RFC 8441)
	"github.com/golws/lws/tlsconf"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7683", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// vhosts are the vhosts and the names their certificates cover.
var vhosts = []struct {
	name  string
	names []string
}{
	{"localhost", []string{"localhost", "127.0.0.1", "::1"}},
	{"alpha.test", []string{"alpha.test"}},
	{"beta.test", []string{"beta.test", "*.beta.test"}},
}

func run(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(nil)
	var first *lws.Vhost
	for _, vh := range vhosts {
		cert, err := tlsconf.SelfSigned(0, vh.names...)
		if err != nil {
			return err
		}
		v, err := c.NewVhost(lws.VhostOptions{
			Name:   vh.name,
			Listen: addr,
			TLS:    &lws.TLSOptions{Certificates: []tls.Certificate{cert}},
			HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sni := ""
				if r.TLS != nil {
					sni = r.TLS.ServerName
				}
				fmt.Fprintf(w, "vhost %s\nhost %s\nsni %s\nproto %s\n", vh.name, r.Host, sni, r.Proto)
			}),
		})
		if err != nil {
			return err
		}
		if first == nil {
			first = v
			addr = v.Addr().String() // the others join this listener, even on port 0
		}
	}
	fmt.Fprintf(out, "listening on %s\n", first.URL())
	return c.Run(ctx)
}
