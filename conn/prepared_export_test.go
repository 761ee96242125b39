package conn

import (
	"io"
	"net"
	"testing"
)

// BenchDeflatePeers returns n server-side WebSocket transports that
// negotiated permessage-deflate without context takeover, each on its own
// loopback TCP connection whose client side is read and discarded. They are
// closed when b ends.
func BenchDeflatePeers(b *testing.B, n int) []*WebSocket {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	out := make([]*WebSocket, 0, n)
	done := make(chan struct{}, n)
	for range n {
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		server, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		go func() { io.Copy(io.Discard, client); done <- struct{}{} }()
		ws := newWebSocket(server, server, nil, false, &pmd{serverNoContext: true, clientNoContext: true, threshold: 128})
		out = append(out, ws)
		b.Cleanup(func() { server.Close(); client.Close(); <-done })
	}
	return out
}

// BenchSendPrepared sends p on ws as a connection's WritePrepared does and
// waits until the socket has taken it.
func BenchSendPrepared(b *testing.B, ws *WebSocket, p *Prepared) {
	pending, err := ws.sendPrepared(p)
	if err == nil && pending {
		err = ws.Flush()
	}
	if err != nil {
		b.Fatal(err)
	}
}
