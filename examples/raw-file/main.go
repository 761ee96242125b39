// Command raw-file is lws's raw-test plugin FIFO: with the raw-test plugin
// (plugins/rawtest) bound to a vhost whose "fifo-path" option names a FIFO
// (by default /tmp/lws-test-raw), the FIFO is created, adopted into the
// engine as a raw file connection, and what is written into it is printed.
//
//	raw-file &
//	echo hello > /tmp/lws-test-raw   # raw-file prints: rx 6 bytes: "hello\n"
//
// The FIFO is opened for reading and writing, so writers may come and go:
// each one's data arrives, and the connection stays open until the program
// ends. A FIFO the program created is removed when it ends.
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
	"github.com/golws/lws/plugins/rawtest"
)

func main() {
	fifo := flag.String("fifo", rawtest.DefaultFIFOPath, "path of the FIFO to create and read")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *fifo, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, path string, out io.Writer) error {
	// The raw-test plugin opens and adopts the FIFO when it is bound to
	// the vhost, logs what it receives, and hands it to this hook.
	p := rawtest.New(&rawtest.Options{FIFO: func(_ *lws.VhostProtocol, data []byte) {
		fmt.Fprintf(out, "rx %d bytes: %q\n", len(data), data)
	}})
	c := lws.New(nil)
	if _, err := c.NewVhost(lws.VhostOptions{
		Protocols:       []*lws.Protocol{p},
		ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: path}},
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on fifo:%s\n", path)
	return c.Run(ctx)
}
