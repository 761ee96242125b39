package raw_test

import (
	"io"
	"testing"

	"github.com/golws/lws/conn"
)

// BenchmarkSocketEcho measures round trips of 1 KiB through a raw socket
// running the echo session over loopback TCP.
func BenchmarkSocketEcho(b *testing.B) {
	echo := newEcho()
	client, server := benchPair(b)
	c, err := conn.Start(newSocket(server), nil, func(*conn.Conn) conn.Session { return echo }, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { c.Close(conn.StatusNormal, ""); <-c.Done() }()
	msg := make([]byte, 1024)
	got := make([]byte, len(msg))
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(client, got); err != nil {
			b.Fatal(err)
		}
	}
}
