package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"testing"
	"time"
)

// duplexBytes is what each direction must move: four times what the socket
// buffers hold when a server's waiting send stops its reception (about
// 4 MB).
const duplexBytes = 16 << 20

// TestPythonDuplex streams 64 KiB binary messages both ways at once over one
// connection between Python's websockets (testdata/duplex.py: a sending
// task and a receiving task) and the ws-duplex example's server, whose
// Writeable sends without end while its Receive counts. Each direction must
// move duplexBytes, with no second in which it moves nothing.
//
// "peer not reading": Python's receiver starts only once duplexBytes have
// been sent, so the server's sends wait meanwhile; lws's promise is that a
// send that waits never stops reception, so the server must take those
// bytes all the same.
func TestPythonDuplex(t *testing.T) {
	requirePythonWebsockets(t)
	url := ws(example(t, "ws-duplex", "-mode", "server"))
	for _, tt := range []struct {
		name string
		held bool
	}{
		{"both reading", false},
		{"peer not reading", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"testdata/duplex.py", url, "8", fmt.Sprint(duplexBytes), fmt.Sprint(64 << 10)}
			if tt.held {
				args = append(args, "held")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, python, args...).Output()
			if ctx.Err() != nil {
				t.Fatalf("duplex.py did not finish within 20 s: the connection is stuck\n%s", out)
			}
			if err != nil {
				t.Fatalf("duplex.py: %v\n%s", err, out)
			}
			var res struct {
				OK       bool    `json:"ok"`
				Error    string  `json:"error"`
				Sent     int64   `json:"sent"`
				Received int64   `json:"received"`
				Seconds  float64 `json:"seconds"`
				Stalled  bool    `json:"stalled"`
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("duplex.py printed %q: %v", out, err)
			}
			if !res.OK {
				t.Fatalf("duplex.py: %s", res.Error)
			}
			if res.Stalled || res.Sent < duplexBytes || res.Received < duplexBytes {
				t.Fatalf("sent %d bytes, received %d in %.1f s (stalled: %v); want at least %d each way, "+
					"never a second without progress: the server's waiting sends stopped its reception", res.Sent, res.Received, res.Seconds, res.Stalled, duplexBytes)
			}
			t.Logf("sent %d bytes, received %d in %.1f s", res.Sent, res.Received, res.Seconds)
		})
	}
}
