package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer is minimal-ws-server, in process.
func echoServer(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	v, err := c.NewVhost(lws.VhostOptions{Listen: addr, Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}

func TestEchoes(t *testing.T) {
	url := extest.WS(extest.Start(t, echoServer))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, url, 3, false, &out); err != nil {
		t.Fatal(err)
	}
	want := "echo: hello 1\necho: hello 2\necho: hello 3\n"
	if !strings.HasPrefix(out.String(), "connected to ") || !strings.HasSuffix(out.String(), "(lws-echo)\n"+want) {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ce *client.ConnectError
	err := run(ctx, "ws://127.0.0.1:1", 1, false, io.Discard)
	if !errors.As(err, &ce) || ce.Failure != client.ConnectRefused {
		t.Fatalf("got %v, want a refused connection", err)
	}
}

// syncBuffer is a bytes.Buffer safe for the client's goroutines and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRetryWaitsForServer starts the client with -retry before its server:
// it retries until the server is there, then gets every echo.
func TestRetryWaitsForServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there yet

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out syncBuffer
	ran := make(chan error, 1)
	go func() { ran <- run(ctx, "ws://"+addr, 2, true, &out) }()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "retry 2 in") {
		if time.Now().After(deadline) {
			t.Fatalf("no retries while nothing listens:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	srvCtx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- echoServer(srvCtx, addr, io.Discard) }()
	defer func() { stopServer(); <-served }()
	if err := <-ran; err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "echo: hello 1\necho: hello 2\n") {
		t.Fatalf("output:\n%s", out.String())
	}
}
