package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestErrorPages(t *testing.T) {
	url := extest.Start(t, run)
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer c.CloseIdleConnections()
	tests := []struct {
		path     string
		status   int
		location string
		body     string
	}{
		{"/", 200, "", "Error pages"},
		{"/no-such-page", 302, "/404.html", ""},
		{"/404.html", 200, "", "own 404 document"},
		{"/private/", 403, "", `<link rel="stylesheet" href="/error.css">`},
		{"/private/secret.txt", 403, "", "<h1>403</h1>"},
		{"/error.css", 200, "", "body.lws-error"},
		{"/lws-common.js", 200, "", "lws_gray_out"},
	}
	for _, tt := range tests {
		resp, err := c.Get(url + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.location || !strings.Contains(string(b), tt.body) {
			t.Errorf("GET %s: %s Location %q %q; want %d %q with %q", tt.path, resp.Status, resp.Header.Get("Location"), b, tt.status, tt.location, tt.body)
		}
	}
}
