// Command http-server-form answers HTML forms from a callback mount (lws's
// LWSMPRO_CALLBACK and its protocol-post-demo): /formtest is bound to the
// post-demo plugin (plugins/postdemo), so every request there becomes a
// connection of that protocol whose session reads the body through Receive
// and answers from Writeable. It takes urlencoded forms and multipart
// uploads; a file is parsed as it arrives — the session hands each chunk
// to a multipart parser and keeps rx off until the parser has used it — so
// a file of any size costs one chunk of memory. The answer is JSON: the
// fields, and for each file its name, size and SHA-256.
//
//	curl -F name=value -F file=@big.bin http://127.0.0.1:7681/formtest
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
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/postdemo"
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

const page = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>golws form test</title></head>
<body>
<h1>Urlencoded</h1>
<form method="post" action="/formtest">
  <input name="text" value="hello"> <input name="send" type="submit">
</form>
<h1>Multipart with a file</h1>
<form method="post" action="/formtest" enctype="multipart/form-data">
  <input name="text" value="hello"> <input name="file" type="file"> <input type="submit">
</form>
</body></html>
`

func run(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(nil)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:    addr,
		Protocols: []*lws.Protocol{postdemo.Protocol},
		Mounts:    []mux.Mount{lws.CallbackMount("/formtest", postdemo.Name)},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, page)
		}),
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}
