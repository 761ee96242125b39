package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExampleConfiguration(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serve(ctx, "conf", "conf.d", addr, out)
	})
	for path, want := range map[string]string{"/": "golws test server", "/ziptest/candide.html": "Candide"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Fatalf("GET %s: %s %.200q", path, resp.Status, b)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, extest.WS(url), nil) // no subprotocol: the default, dumb-increment
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, b, err := c.Read(ctx); err != nil || string(b) != "0" {
		t.Fatalf("first number %q, %v", b, err)
	}
	c.Close(websocket.StatusNormalClosure, "")
}

func TestConfigurationErrorsAreLocated(t *testing.T) {
	err := serve(context.Background(), "conf", "testdata/bad.d", "", io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.json:4: vhosts[0].mounts[0].orign: unknown key") {
		t.Fatalf("got %v", err)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serveWith(ctx, "conf", "conf.d", addr, true, out)
	})
	if resp, err := http.Get(url + "/"); err == nil {
		resp.Body.Close()
	}
	// The server records after it has answered: poll until the scrape shows it.
	var status, body string
	for deadline := time.Now().Add(5 * time.Second); ; {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, body = resp.Status, string(b)
		if resp.StatusCode == 200 && strings.Contains(body, `lws_http_responses_total{code="200",mount="/"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics: %s\n%.2000s", status, body)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}
