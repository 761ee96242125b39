package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/plugins/dumbinc"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// dumbServer is ws-server-dumb-increment, in process.
func dumbServer(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	v, err := c.NewVhost(lws.VhostOptions{Listen: addr, Protocols: []*lws.Protocol{dumbinc.Protocol}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "listening on %s\n", v.URL())
	return c.Run(ctx)
}

func TestPrintsNumbers(t *testing.T) {
	url := extest.WS(extest.Start(t, dumbServer))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, url, 5, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "0\n1\n2\n3\n4\n" {
		t.Fatalf("output %q", out.String())
	}
}

func TestStopsOnInterrupt(t *testing.T) {
	url := extest.WS(extest.Start(t, dumbServer))
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- run(ctx, url, 0, pw); pw.Close() }()
	buf := make([]byte, 2)
	if _, err := io.ReadFull(pr, buf); err != nil || string(buf) != "0\n" {
		t.Fatalf("first number %q, %v", buf, err)
	}
	cancel()
	go io.Copy(io.Discard, pr)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
