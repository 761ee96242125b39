package main

import (
	"context"
	"io"
	"net"
	"testing"
)

// -addr errors name the flag and the address, not the embedded
// configuration's line, and say what to do.
func TestAddrErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	tests := []struct{ addr, want string }{
		{addr, `-addr: lws: vhost "localhost": listening on ` + addr + `: address already in use; stop the program using that port or choose another port`},
		{"9442", `-addr: lwsws: listen address "9442" has no host part: use :9442 (all interfaces) or 127.0.0.1:9442`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := run(context.Background(), tt.addr, io.Discard)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}
