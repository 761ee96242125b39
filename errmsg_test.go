package lws_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/lwsws"
)

func TestListenOnErrors(t *testing.T) {
	tests := []struct{ addr, want string }{
		{"9442", `lwsws: listen address "9442" has no host part: use :9442 (all interfaces) or 127.0.0.1:9442`},
		{":99999", `lwsws: listen address ":99999": bad port "99999": want a number from 0 to 65535 (0 picks a free port)`},
		{"a:b:c", `lwsws: listen address "a:b:c": too many colons in address: want host:port, such as :7681 or 127.0.0.1:7681`},
		{"localhost", `lwsws: listen address "localhost": missing port in address: want host:port, such as :7681 or 127.0.0.1:7681`},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			cfg := &lwsws.Config{}
			if err := cfg.Parse("site.json", []byte(`{"vhosts": [{"name": "a", "port": 7681}]}`)); err != nil {
				t.Fatal(err)
			}
			err := cfg.ListenOn(tt.addr)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// A port in use: one "lws:", the address, what to do; the configuration's
// line only when the configuration chose the address.
func TestLwswsPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	_, port, _ := net.SplitHostPort(addr)

	tests := []struct {
		name     string
		listenOn string
		want     string
	}{
		{"from ListenOn", addr, `lws: vhost "a": listening on ` + addr + `: address already in use; stop the program using that port or choose another port`},
		{"from the file", "", `site.json:1: vhosts[0]: lws: vhost "a": listening on 127.0.0.1:` + port + `: address already in use; stop the program using that port or choose another port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &lwsws.Config{}
			if err := cfg.Parse("site.json", []byte(`{"vhosts": [{"name": "a", "interface": "127.0.0.1", "port": `+port+`}]}`)); err != nil {
				t.Fatal(err)
			}
			if tt.listenOn != "" {
				cfg.Vhosts[0].Port = 1 // the file's port, replaced
				if err := cfg.ListenOn(tt.listenOn); err != nil {
					t.Fatal(err)
				}
			}
			c, err := lwsws.New(cfg, nil)
			if err == nil {
				lwstest.Run(t, c) // shut down at the end of the test
				t.Fatal("no error")
			}
			if err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
			if n := strings.Count(err.Error(), "lws:"); n != 1 {
				t.Errorf("%d lws: prefixes", n)
			}
			var ce *lwsws.Error
			if errors.As(err, &ce) != (tt.listenOn == "") {
				t.Errorf("ConfigError: %v, want %v", errors.As(err, &ce), tt.listenOn == "")
			}
		})
	}
}
