package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// server accepts one connection, greets, reads lines lines, answers each
// with "ok: LINE", and closes.
func server(t *testing.T, lines int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(nc, "hello from the server\n")
		br := bufio.NewReader(nc)
		for range lines {
			l, err := br.ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(nc, "ok: "+l)
		}
	}()
	return ln.Addr().String()
}

func runClient(t *testing.T, addr, send string, in io.Reader) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	err := run(ctx, addr, send, in, &out)
	if ctx.Err() != nil {
		t.Fatal("raw-client did not end by itself")
	}
	return out.String(), err
}

func TestClient(t *testing.T) {
	tests := []struct {
		name  string
		send  string
		in    io.Reader
		lines int
		want  string
	}{
		{"-send", "ping\n", nil, 1, "hello from the server\nok: ping\n"},
		{"stdin", "", strings.NewReader("one\ntwo\nthree\n"), 3, "hello from the server\nok: one\nok: two\nok: three\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runClient(t, server(t, tt.lines), tt.send, tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestClientRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = runClient(t, addr, "x", nil)
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v, want connection refused naming %s", err, addr)
	}
}
