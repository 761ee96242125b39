package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPageAndProtocols(t *testing.T) {
	url := extest.Start(t, run)
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "dumb-increment-protocol") || !strings.Contains(string(page), "lws-echo") {
		t.Fatalf("GET /: %s\n%s", resp.Status, page)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		offer []string
		send  string
		want  string
	}{
		{nil, "", "0"}, // no subprotocol: the default, dumb-increment
		{[]string{"dumb-increment-protocol"}, "", "0"},
		{[]string{"lws-echo"}, "hi", "hi"},
	}
	for _, tt := range tests {
		c, _, err := websocket.Dial(ctx, extest.WS(url), &websocket.DialOptions{Subprotocols: tt.offer})
		if err != nil {
			t.Fatal(err)
		}
		if tt.send != "" {
			c.Write(ctx, websocket.MessageText, []byte(tt.send))
		}
		if _, b, err := c.Read(ctx); err != nil || string(b) != tt.want {
			t.Fatalf("offer %v: got %q, %v; want %q", tt.offer, b, err, tt.want)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}
}

// TestPageAssets: what the page asks for besides itself is there — no 404
// or 405 in a browser's console.
func TestPageAssets(t *testing.T) {
	url := extest.Start(t, run)
	tests := []struct {
		method, path string
		status       int
		ctype        string
	}{
		{http.MethodGet, "/favicon.ico", 200, "image/vnd.microsoft.icon"},
		{http.MethodGet, "/error.css", 200, "text/css; charset=utf-8"},
		{http.MethodGet, "/lws-common.js", 200, "text/javascript; charset=utf-8"},
		{http.MethodOptions, "/formtest", 204, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, url+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ctype {
			t.Errorf("%s %s: %s %q, want %d %q", tt.method, tt.path, resp.Status, resp.Header.Get("Content-Type"), tt.status, tt.ctype)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestFormAndRawFallback(t *testing.T) {
	url := extest.Start(t, run)
	resp, err := http.PostForm(url+"/formtest", map[string][]string{"text": {"hello form"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "hello form") {
		t.Fatalf("POST /formtest: %s %s", resp.Status, b)
	}

	// Not HTTP: the raw-test protocol echoes it, on the same port.
	nc, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	nc.Write([]byte("hello raw\r\n"))
	got := make([]byte, len("hello raw\r\n"))
	if _, err := io.ReadFull(nc, got); err != nil || string(got) != "hello raw\r\n" {
		t.Fatalf("raw echo %q, %v", got, err)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	url := extest.Start(t, func(ctx context.Context, addr string, out io.Writer) error {
		return serveWith(ctx, addr, "", "", true, out)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, extest.WS(url), &websocket.DialOptions{Subprotocols: []string{"lws-echo"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
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
		if resp.StatusCode == 200 && strings.Contains(body, `lws_connections_open{protocol="lws-echo",vhost=`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /metrics: %s\n%.2000s", status, body)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	c.Close(websocket.StatusNormalClosure, "")
}
