package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func run(ctx context.Context, addr string, out io.Writer) error {
	return serve(ctx, addr, "htdocs", out)
}

func TestServesFiles(t *testing.T) {
	words, err := os.ReadFile("htdocs/docs/words.txt")
	if err != nil {
		t.Fatal(err)
	}
	url := extest.Start(t, run)
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer c.CloseIdleConnections()
	tests := []struct {
		path, header, value string
		status              int
		body                string
		want                map[string]string
	}{
		{path: "/", status: 200, body: "golws http-server", want: map[string]string{
			"Content-Type": "text/html; charset=utf-8", "Cache-Control": "private, max-age=600"}},
		{path: "/docs", status: 301, want: map[string]string{"Location": "/docs/"}},
		{path: "/docs/", status: 200, body: "default document"},
		{path: "/docs/README.md", status: 200, want: map[string]string{"Content-Type": "text/markdown; charset=utf-8"}},
		{path: "/status.txt", status: 200, body: "served by golws since"},
		{path: "/lws-common.js", status: 200, body: "lws_gray_out"},
		{path: "/docs/words.txt", header: "Range", value: "bytes=100-199", status: 206, body: string(words[100:200])},
		{path: "/nothing", status: 404, body: "/error.css"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", url+tt.path, nil)
		if tt.header != "" {
			req.Header.Set(tt.header, tt.value)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.body) {
			t.Errorf("GET %s: %s %q; want %d with %q", tt.path, resp.Status, b, tt.status, tt.body)
		}
		for k, v := range tt.want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET %s: %s %q, want %q", tt.path, k, got, v)
			}
		}
		// Every file answers a conditional request with 304.
		if lm := resp.Header.Get("Last-Modified"); resp.StatusCode == 200 && lm != "" {
			req.Header.Set("If-Modified-Since", lm)
			resp, err = c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 304 {
				t.Errorf("GET %s If-Modified-Since %s: %s", tt.path, lm, resp.Status)
			}
		}
	}
}
