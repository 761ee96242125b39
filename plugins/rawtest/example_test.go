package rawtest_test

import (
	"fmt"

	"github.com/golws/lws"
	"github.com/golws/lws/plugins/rawtest"
)

// A vhost whose HTTP port echoes raw (telnet, nc) connections and whose
// FIFO's input is printed.
func Example() {
	p := rawtest.New(&rawtest.Options{FIFO: func(_ *lws.VhostProtocol, data []byte) {
		fmt.Printf("fifo: %q\n", data)
	}})
	c := lws.New(nil)
	_, err := c.NewVhost(lws.VhostOptions{
		Listen:          "127.0.0.1:7681",
		Protocols:       []*lws.Protocol{p},
		ProtocolOptions: map[string]map[string]string{rawtest.Name: {rawtest.FIFOPathOption: rawtest.DefaultFIFOPath}},
		RawFallback:     &lws.RawFallback{Protocol: rawtest.Name},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// c.Run(ctx) serves until ctx ends.
}
