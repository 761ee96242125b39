// Command mount-into-net-http mounts golws into a plain net/http server: the
// program owns its http.Server and http.ServeMux with routes of its own, and
// golws serves WebSocket echo under /ws/ next to them. The lws.Server is
// started with Start (no listener of its own: Start runs what lives beside
// the connections, such as Wake) and ended with Close, which the server's
// RegisterOnShutdown hook calls: it closes golws's connections with 1001,
// since http.Server does not track upgraded connections.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/plugins/echo"
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
	ws := lws.New(nil)
	// A vhost without Listen: golws opens no socket of its own.
	v, err := ws.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		return err
	}

	routes := http.NewServeMux()
	routes.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "hello from net/http; WebSocket echo is at /ws/")
	})
	routes.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	routes.Handle("/ws/", v)

	srv := &http.Server{Handler: routes, ReadHeaderTimeout: 10 * time.Second}
	if err := ws.Start(); err != nil {
		return err
	}
	defer ws.Close()
	srv.RegisterOnShutdown(func() { ws.Close() })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on http://%s\n", ln.Addr())

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err2 := <-serveErr; !errors.Is(err2, http.ErrServerClosed) {
		return err2
	}
	// Shutdown ran the hook in a goroutine of its own: wait for golws too.
	if err2 := ws.Close(); err == nil {
		err = err2
	}
	return err
}
