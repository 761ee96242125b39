package postdemo_test

import (
	"fmt"

	"github.com/golws/lws"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/postdemo"
)

// Forms posted to /formtest are answered by the post-demo protocol.
func Example() {
	c := lws.New(nil)
	_, err := c.NewVhost(lws.VhostOptions{
		Listen:    "127.0.0.1:7681",
		Protocols: []*lws.Protocol{postdemo.Protocol},
		Mounts:    []mux.Mount{lws.CallbackMount("/formtest", postdemo.Name)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// c.Run(ctx) serves until ctx ends.
}
