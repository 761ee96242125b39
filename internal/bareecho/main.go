// Command bareecho is the baseline of `make bench-c`: a WebSocket echo
// server on bare coder/websocket, lwstest.BareEcho, as in bench_test.go: with one handler
// goroutine per connection reading each whole message and writing it back.
// Like golws's servers it takes -addr and prints "listening on URL".
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/golws/lws/internal/lwstest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7681", "address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(lwstest.BareEcho), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Printf("listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
