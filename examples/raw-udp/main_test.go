package main

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestUDPEcho(t *testing.T) {
	url := extest.Start(t, run)
	addr, err := net.ResolveUDPAddr("udp", strings.TrimPrefix(url, "udp://"))
	if err != nil {
		t.Fatal(err)
	}
	// Two clients, so that each reply must go to its own sender.
	var clients []*net.UDPConn
	for range 2 {
		cl, err := net.DialUDP("udp", nil, addr)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		clients = append(clients, cl)
	}
	for i, size := range []int{0, 1, 1400, 9000, 65000} {
		cl := clients[i%2]
		msg := bytes.Repeat([]byte{byte('a' + i)}, size)
		if _, err := cl.Write(msg); err != nil {
			t.Fatal(err)
		}
		cl.SetReadDeadline(time.Now().Add(10 * time.Second))
		got := make([]byte, 65536)
		n, err := cl.Read(got)
		if err != nil || !bytes.Equal(got[:n], msg) {
			t.Fatalf("%d-byte datagram: got %d bytes, %v", size, n, err)
		}
	}
}
