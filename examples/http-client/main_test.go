package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("Date", "Mon, 02 Jan 2006 15:04:05 GMT")
		if r.URL.Path == "/teapot" {
			w.WriteHeader(http.StatusTeapot)
		}
		io.WriteString(w, "hello ")
		io.Copy(w, r.Body)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name string
		r    request
		want string
	}{
		{"GET", request{url: srv.URL + "/"}, "HTTP/1.1 200 OK\nContent-Length: 6\nContent-Type: text/plain; charset=utf-8\nDate: Mon, 02 Jan 2006 15:04:05 GMT\nX-Method: GET\n\nhello "},
		{"POST", request{url: srv.URL + "/", method: "POST", body: "world"}, "HTTP/1.1 200 OK\nContent-Length: 11\nContent-Type: text/plain; charset=utf-8\nDate: Mon, 02 Jan 2006 15:04:05 GMT\nX-Method: POST\n\nhello world"},
		{"status", request{url: srv.URL + "/teapot"}, "HTTP/1.1 418 I'm a teapot\nContent-Length: 6\nContent-Type: text/plain; charset=utf-8\nDate: Mon, 02 Jan 2006 15:04:05 GMT\nX-Method: GET\n\nhello "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var out bytes.Buffer
			if err := run(ctx, tt.r, &out); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("output:\n%s\nwant:\n%s", out.String(), tt.want)
			}
		})
	}
}

func TestBigBody(t *testing.T) {
	body := strings.Repeat("0123456789", 100_000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	if err := run(context.Background(), request{url: srv.URL}, &out); err != nil {
		t.Fatal(err)
	}
	if _, got, _ := strings.Cut(out.String(), "\n\n"); got != body {
		t.Fatalf("body of %d bytes, want %d", len(got), len(body))
	}
}

func TestRefused(t *testing.T) {
	var ce *client.ConnectError
	if err := run(context.Background(), request{url: "http://127.0.0.1:1/"}, io.Discard); !errors.As(err, &ce) || ce.Failure != client.ConnectRefused {
		t.Fatalf("got %v", err)
	}
}
