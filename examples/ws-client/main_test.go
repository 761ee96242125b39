package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/plugins/echo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer is minimal-ws-server, in process.
func echoServer(ctx context.Context, addr string, out io.Writer) error {
	c := lws.New(&lws.Options{Logger: lws.NewLogger(io.Discard, lws.LevelErr)})
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
	if err := run(ctx, url, 3, &out); err != nil {
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
	var ce *lws.ConnectError
	err := run(ctx, "ws://127.0.0.1:1", 1, io.Discard)
	if !errors.As(err, &ce) || ce.Failure != lws.ConnectRefused {
		t.Fatalf("got %v, want a refused connection", err)
	}
}
