package mux

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// noFollow is a client that reports redirects instead of following them.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

func TestRedirectMount(t *testing.T) {
	mustRedirect := func(mount, origin string, status int) *Redirect {
		h, err := NewRedirect(mount, origin, status)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	v := &Vhost{Mounts: Mounts{
		{Path: "/old", Handler: mustRedirect("/old", "https://new.example/base", 0)},
		{Path: "/tmp", Handler: mustRedirect("/tmp", "http://other.example:8080", http.StatusFound)},
		{Path: "/slash", Handler: mustRedirect("/slash", "https://s.example/dir/", http.StatusTemporaryRedirect)},
		{Path: "/", Handler: mustRedirect("/", "https://root.example", http.StatusPermanentRedirect)},
	}}
	srv := httptest.NewServer(v)
	defer srv.Close()
	client := noFollow(srv.Client())

	tests := []struct {
		path   string
		status int
		loc    string
	}{
		{"/old", 301, "https://new.example/base"},
		{"/old/", 301, "https://new.example/base/"},
		{"/old/a/b.html?x=1&y=%20", 301, "https://new.example/base/a/b.html?x=1&y=%20"},
		{"/old/sp%20ace", 301, "https://new.example/base/sp%20ace"},
		{"/tmp/q", 302, "http://other.example:8080/q"},
		{"/tmp", 302, "http://other.example:8080/"},
		{"/slash/x", 307, "https://s.example/dir/x"},
		{"/elsewhere?k=v", 308, "https://root.example/elsewhere?k=v"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := client.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Location") != tt.loc {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Location"), tt.status, tt.loc)
			}
		})
	}
}

func TestNewRedirectRejects(t *testing.T) {
	tests := []struct {
		origin string
		status int
	}{
		{"ftp://x.example", 0},
		{"/relative", 0},
		{"https://", 0},
		{"https://x.example/?q=1", 0},
		{"https://x.example/#f", 0},
		{"https://user@x.example/", 0},
		{"https://x.example", 200},
		{"https://x.example", 404},
		{"http://%zz", 0},
	}
	for _, tt := range tests {
		if _, err := NewRedirect("/m", tt.origin, tt.status); err == nil {
			t.Errorf("NewRedirect(%q, %d) accepted", tt.origin, tt.status)
		} else if tt.status == 0 && !errors.Is(err, ErrBadOrigin) {
			t.Errorf("NewRedirect(%q): %v, want ErrBadOrigin", tt.origin, err)
		}
	}
}

func TestHTTPSRedirect(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("secure")) })
	tests := []struct {
		name   string
		h      *HTTPSRedirect
		host   string
		target string
		status int
		loc    string
	}{
		{"zero value", &HTTPSRedirect{}, "example.com:8080", "/a/b?c=d", 301, "https://example.com/a/b?c=d"},
		{"port and 302", &HTTPSRedirect{Port: 8443, Status: 302}, "example.com", "/", 302, "https://example.com:8443/"},
		{"ipv6", &HTTPSRedirect{Port: 8443}, "[::1]:8080", "/x", 301, "https://[::1]:8443/x"},
		{"bad host", &HTTPSRedirect{}, "a/b", "/", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Location") != tt.loc {
				t.Fatalf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tt.status, tt.loc)
			}
		})
	}
	// Over TLS, Next serves.
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.TLS = &tls.ConnectionState{}
	w := httptest.NewRecorder()
	(&HTTPSRedirect{Next: next}).ServeHTTP(w, r)
	if w.Code != 200 || w.Body.String() != "secure" {
		t.Fatalf("TLS request: %d %q", w.Code, w.Body)
	}
}
