package main

import (
	"context"
	"io"
	"testing"
)

// A URL that is not ws(s) is refused before connecting, saying what to use.
func TestRunRefusesNonWebSocketURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://127.0.0.1:1/", "ws-client: -url must be ws:// or wss:// (got http://127.0.0.1:1/); for HTTP use http-client"},
		{"https://127.0.0.1:1/", "ws-client: -url must be ws:// or wss:// (got https://127.0.0.1:1/); for HTTP use http-client"},
		{"127.0.0.1:1", `ws-client: -url must be ws:// or wss://, such as ws://127.0.0.1:7681 (got "127.0.0.1:1")`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := run(context.Background(), tt.url, 1, false, io.Discard)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}
