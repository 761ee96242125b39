package lwstest

import (
	"net"
	"testing"
)

// FreeTCPPort returns a loopback TCP port that was free a moment ago, for
// tests whose configuration must name a port rather than take port 0.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
