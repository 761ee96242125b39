package mux

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws/fops"
)

var siteTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// site writes a small document tree and returns its directory.
func site(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"index.html":     "<h1>home</h1>",
		"style.css":      "body{}",
		"data.foo":       "foo data",
		"big.txt":        strings.Repeat("0123456789", 1000),
		"sub/index.html": "<h1>sub</h1>",
		"empty/.keep":    "",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, siteTime, siteTime)
	}
	return dir
}

// serve starts a loopback server for h and returns its URL and a client
// that neither follows redirects nor asks for gzip by itself.
func serve(t *testing.T, h http.Handler) (string, *http.Client) {
	t.Helper()
	srv := httptest.NewServer(h)
	c := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	t.Cleanup(func() {
		c.CloseIdleConnections()
		srv.Close()
	})
	return srv.URL, c
}

type exchange struct {
	method string
	path   string
	header map[string]string
	status int
	body   string            // checked if not empty
	want   map[string]string // headers
}

func run(t *testing.T, url string, c *http.Client, tests []exchange) {
	t.Helper()
	for _, tt := range tests {
		method := tt.method
		if method == "" {
			method = http.MethodGet
		}
		req, _ := http.NewRequest(method, url+tt.path, nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, tt.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %s, want %d\n%s", method, tt.path, resp.Status, tt.status, body)
			continue
		}
		if tt.body != "" && !strings.Contains(string(body), tt.body) {
			t.Errorf("%s %s: body %q lacks %q", method, tt.path, body, tt.body)
		}
		for k, v := range tt.want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s %s: %s = %q, want %q", method, tt.path, k, got, v)
			}
		}
	}
}

func fileVhost(t *testing.T, o *FileOptions) (*Vhost, *fops.Root) {
	t.Helper()
	root, err := fops.OpenRoot(site(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return &Vhost{Name: "test", Mounts: Mounts{FileMount("/", root, o), FileMount("/static", root, o)}}, root
}

func TestFileMount(t *testing.T) {
	v, _ := fileVhost(t, &FileOptions{ExtraMIME: map[string]string{"foo": "application/x-foo"}, MaxAge: 60, Reusable: true})
	url, c := serve(t, v)
	lm := siteTime.Format(http.TimeFormat)
	resp, err := c.Get(url + "/big.txt")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("Etag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	run(t, url, c, []exchange{
		{path: "/", status: 200, body: "<h1>home</h1>", want: map[string]string{"Content-Type": "text/html; charset=utf-8", "Last-Modified": lm, "Cache-Control": "private, max-age=60"}},
		{path: "/index.html", status: 200, body: "home"},
		{path: "/sub", status: 301, want: map[string]string{"Location": "/sub/"}},
		{path: "/sub?x=1", status: 301, want: map[string]string{"Location": "/sub/?x=1"}},
		{path: "/sub/", status: 200, body: "<h1>sub</h1>"},
		{path: "/static", status: 301, want: map[string]string{"Location": "/static/"}},
		{path: "/static/", status: 200, body: "home"},
		{path: "/static/sub/", status: 200, body: "sub"},
		{path: "/style.css", status: 200, want: map[string]string{"Content-Type": "text/css; charset=utf-8"}},
		{path: "/data.foo", status: 200, want: map[string]string{"Content-Type": "application/x-foo"}},
		{path: "/empty/", status: 404, body: "/error.css"},
		{path: "/missing", status: 404, body: "/error.css"},
		{path: "/index.html/x", status: 404},
		{path: "/big.txt", header: map[string]string{"Range": "bytes=10-19"}, status: 206, body: "0123456789",
			want: map[string]string{"Content-Range": "bytes 10-19/10000", "Content-Length": "10"}},
		{path: "/big.txt", header: map[string]string{"Range": "bytes=20000-"}, status: 416},
		{path: "/big.txt", header: map[string]string{"If-Modified-Since": lm}, status: 304, want: map[string]string{"Cache-Control": "private, max-age=60"}},
		{path: "/big.txt", header: map[string]string{"If-Modified-Since": siteTime.Add(-time.Hour).Format(http.TimeFormat)}, status: 200},
		{path: "/big.txt", header: map[string]string{"If-None-Match": etag}, status: 304, want: map[string]string{"Etag": etag}},
		{path: "/big.txt", header: map[string]string{"If-None-Match": `"other"`}, status: 200},
		{method: "HEAD", path: "/big.txt", status: 200, want: map[string]string{"Content-Length": "10000"}},
		{method: "POST", path: "/big.txt", status: 405, want: map[string]string{"Allow": "GET, HEAD"}},
		{path: "/lws-common.js", status: 200, body: "lws_gray_out", want: map[string]string{"Content-Type": "text/javascript; charset=utf-8"}},
		{path: "/error.css", status: 200, body: "font-family", want: map[string]string{"Content-Type": "text/css; charset=utf-8"}},
	})
}

func TestCacheControl(t *testing.T) {
	tests := []struct {
		o    FileOptions
		want string
	}{
		{FileOptions{}, "no-store"},
		{FileOptions{MaxAge: 60}, "no-store"},
		{FileOptions{Reusable: true}, "no-store"},
		{FileOptions{MaxAge: 60, Reusable: true}, "private, max-age=60"},
		{FileOptions{MaxAge: 60, Reusable: true, Intermediaries: true}, "public, max-age=60"},
		{FileOptions{MaxAge: 5, Reusable: true, Revalidate: true}, "must-revalidate, private, max-age=5"},
		{FileOptions{MaxAge: 5, Reusable: true, Revalidate: true, Intermediaries: true}, "must-revalidate, public, max-age=5"},
	}
	for _, tt := range tests {
		if got := tt.o.CacheControl(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.o, got, tt.want)
		}
	}
	// And on the wire, for 200 and 304.
	v, _ := fileVhost(t, &FileOptions{MaxAge: 30, Reusable: true, Revalidate: true, Intermediaries: true})
	url, c := serve(t, v)
	run(t, url, c, []exchange{
		{path: "/", status: 200, want: map[string]string{"Cache-Control": "must-revalidate, public, max-age=30"}},
		{path: "/", header: map[string]string{"If-Modified-Since": siteTime.Format(http.TimeFormat)}, status: 304,
			want: map[string]string{"Cache-Control": "must-revalidate, public, max-age=30"}},
	})
}

// rawGet sends a request line as written, over a plain TCP connection, and
// returns the status code.
func rawGet(t *testing.T, url, target string) int {
	t.Helper()
	nc, err := net.DialTimeout("tcp", strings.TrimPrefix(url, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET "+target+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "secret") {
		t.Errorf("GET %s leaked the secret", target)
	}
	return resp.StatusCode
}

func TestFileMountNoEscape(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("secret"), 0o644)
	dir := site(t)
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks:", err)
	}
	os.Symlink(outside, filepath.Join(dir, "dirlink"))
	root, _ := fops.OpenRoot(dir)
	defer root.Close()
	sub := filepath.Base(outside)
	url, _ := serve(t, &Vhost{Mounts: Mounts{FileMount("/files", root, nil)}})
	tests := []struct {
		target string
		want   int
	}{
		{"/files/index.html", 200},
		{"/files/../" + sub + "/secret", 403},
		{"/files/%2e%2e/" + sub + "/secret", 403},
		{"/files/%2E%2E%2F" + sub + "%2Fsecret", 403},
		{"/files/sub%2findex.html", 403},
		{"/files/..%5c..%5csecret", 403},
		{"/files/index.html%00.txt", 403},
		{"/files/link", 403},
		{"/files/dirlink/secret", 403},
		{"/files/" + outside + "/secret", 404}, // an absolute name is just a path under the root
		{"/filesx", 404},
	}
	for _, tt := range tests {
		if got := rawGet(t, url, tt.target); got != tt.want {
			t.Errorf("GET %s: %d, want %d", tt.target, got, tt.want)
		}
	}
}

func TestErrorPages(t *testing.T) {
	root, _ := fops.OpenRoot(site(t))
	defer root.Close()
	withDoc := &Vhost{Name: "doc", ErrorDocument404: "/missing-too.html", Mounts: Mounts{FileMount("/", root, nil)}}
	url, c := serve(t, withDoc)
	run(t, url, c, []exchange{
		{path: "/nothing", status: 302, want: map[string]string{"Location": "/missing-too.html"}},
		// The error document itself missing: no redirect loop.
		{path: "/missing-too.html", status: 404, body: `<link rel="stylesheet" href="/error.css">`},
		// Other codes are synthesized.
		{path: "/a%00b", status: 403, body: "<h1>403</h1>", want: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}},
		{method: "HEAD", path: "/a%00b", status: 403},
	})

	// A vhost without mounts or HTTP handler: its own 404 uses the page.
	bare := &Vhost{Name: "bare", ErrorDocument404: "/404.html"}
	url, c = serve(t, bare)
	run(t, url, c, []exchange{
		{path: "/x", status: 302, want: map[string]string{"Location": "/404.html"}},
		{path: "/lws-common.js", status: 200, body: "function grayOut"},
	})

	// Outside a vhost, the synthesized page with the message escaped.
	rec := httptest.NewRecorder()
	ErrorPage(rec, httptest.NewRequest("GET", "/", nil), 418, "<script>")
	if rec.Code != 418 || !strings.Contains(rec.Body.String(), "&lt;script&gt;") || !strings.Contains(rec.Body.String(), "/error.css") {
		t.Errorf("ErrorPage: %d %q", rec.Code, rec.Body)
	}
}

func TestSiteCommonJSWins(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lws-common.js"), []byte("// the site's own"), 0o644)
	root, _ := fops.OpenRoot(dir)
	defer root.Close()
	url, c := serve(t, &Vhost{Mounts: Mounts{FileMount("/", root, nil)}})
	run(t, url, c, []exchange{{path: "/lws-common.js", status: 200, body: "the site's own"}})
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=1.0, *;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0.001", true},
		{"*", true},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"br, deflate", false},
		{"x-gzip", true},
		{"identity", false},
		{"gzip;q=bogus", true},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.header != "" {
			h.Set("Accept-Encoding", tt.header)
		}
		if got := AcceptsGzip(h); got != tt.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
