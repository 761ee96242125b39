// Command usermain is a user's program serving golws's echo protocol on an
// h2c listener; main_on.go turns WebSockets over HTTP/2 on with the one
// documented import unless built with the tag h2wsoff. It prints the
// listener's address and serves until stdin closes.
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/golws/lws"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/plugins/echo"
)

func main() {
	srv := lws.New(nil)
	v, err := srv.NewVhost(lws.VhostOptions{
		Listen:    "127.0.0.1:0",
		Listener:  &listen.Options{H2C: true},
		Protocols: []*lws.Protocol{echo.Protocol},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.URL())
	<-ctx.Done()
	_ = srv.Close()
}
