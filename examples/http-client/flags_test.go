package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A URL that is not http(s) is refused before connecting, saying what to use.
func TestRunRefusesNonHTTPURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"ws://127.0.0.1:1/", "http-client: -url must be http:// or https:// (got ws://127.0.0.1:1/); for WebSocket use ws-client"},
		{"wss://127.0.0.1:1/", "http-client: -url must be http:// or https:// (got wss://127.0.0.1:1/); for WebSocket use ws-client"},
		{"127.0.0.1:1", `http-client: -url must be http:// or https://, such as http://127.0.0.1:7681/ (got "127.0.0.1:1")`},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := run(context.Background(), request{url: tt.url, method: "GET"}, io.Discard)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got  %v\nwant %s", err, tt.want)
			}
		})
	}
}

// -d sends a form Content-Type unless -H gives one, as curl does; -H
// headers are sent.
func TestHeadersAndBodyType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "type="+r.Header.Get("Content-Type")+" x="+strings.Join(r.Header.Values("X-Test"), ","))
	}))
	defer srv.Close()
	tests := []struct {
		name    string
		headers []string
		body    string
		want    string
	}{
		{"no body", nil, "", "type= x="},
		{"-d", nil, "a=1", "type=application/x-www-form-urlencoded x="},
		{"-d with -H Content-Type", []string{"Content-Type: application/json"}, "{}", "type=application/json x="},
		{"repeated -H", []string{"X-Test: 1", "x-test:2"}, "", "type= x=1,2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h headerFlag
			for _, s := range tt.headers {
				if err := h.Set(s); err != nil {
					t.Fatal(err)
				}
			}
			method := "GET"
			if tt.body != "" {
				method = "POST"
			}
			var out bytes.Buffer
			if err := run(context.Background(), request{url: srv.URL + "/", method: method, body: tt.body, header: http.Header(h)}, &out); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(out.String(), "\n\n"+tt.want) {
				t.Fatalf("got %q, want the body %q", out.String(), tt.want)
			}
		})
	}
}

func TestHeaderFlagRefuses(t *testing.T) {
	for _, s := range []string{"bad", ": v", "Two words: v"} {
		var h headerFlag
		err := h.Set(s)
		if err == nil || !strings.Contains(err.Error(), `want "Name: value"`) {
			t.Errorf("Set(%q) = %v", s, err)
		}
	}
}
