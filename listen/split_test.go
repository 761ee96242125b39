package listen

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestSplitTLS: a connection whose first byte starts a TLS record comes out
// of the TLS side, a plain one out of the plain side with its first byte
// still there, a silent one is closed after the timeout; closing the TLS
// side ends the plain side's Accept.
func TestSplitTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsConns, plain := SplitTLS(ln, 200*time.Millisecond)
	dial := func(first string) net.Conn {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if first != "" {
			io.WriteString(c, first)
		}
		return c
	}
	tests := []struct {
		name, first string
		side        net.Listener
	}{
		{"tls", "\x16\x03\x01", tlsConns},
		{"plain", "GET / HTTP/1.1\r\n", plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dial(tt.first)
			c, err := tt.side.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := make([]byte, len(tt.first))
			if _, err := io.ReadFull(c, got); err != nil || string(got) != tt.first {
				t.Fatalf("read %q, %v; want %q", got, err, tt.first)
			}
		})
	}

	silent := dial("")
	silent.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := silent.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("silent connection: %v, want closed by the listener", err)
	}

	accepted := make(chan error, 1)
	go func() { _, err := plain.Accept(); accepted <- err }()
	if err := tlsConns.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("plain Accept after Close: %v", err)
	}
}
