// Command http-server-tls serves a page and the lws-echo WebSocket protocol
// over TLS with a self-signed ECDSA certificate made at start: https:// for
// the page (HTTP/2 or HTTP/1.1 by ALPN), wss:// for the echo (HTTP/1.1 on
// the same listener). Each handshake is logged with its version, cipher
// suite, SNI name and ALPN protocol; failed ones with the reason.
//
// Browsers will warn about the certificate; curl needs -k.
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
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/echo"
	"github.com/golws/lws/tlsconf"
)

const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>golws over TLS</title></head>
<body><h1>golws over TLS</h1>
<p>This page came over %s. <span id="echo">WebSocket: connecting…</span></p>
<script>
const ws = new WebSocket("wss://" + location.host + "/", "lws-echo");
ws.onopen = () => ws.send("hello over wss");
ws.onmessage = (e) => { document.getElementById("echo").textContent = "WebSocket echo: " + e.data; };
ws.onclose = () => { document.getElementById("echo").textContent += " (closed)"; };
</script></body></html>
`

func main() {
	addr := flag.String("addr", "127.0.0.1:7682", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, addr string, out io.Writer) error {
	cert, err := tlsconf.SelfSigned(0, "localhost", "127.0.0.1", "::1")
	if err != nil {
		return err
	}
	c := lws.New(&lws.Options{Logger: logging.NewLogger(os.Stderr, logging.LevelInfo)})
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{echo.Protocol},
		TLS: &lws.TLSOptions{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
		},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, page, r.Proto)
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
