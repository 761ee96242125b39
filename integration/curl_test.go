package integration

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireCurl skips the test outside CI when Debian's curl is missing, and
// fails it in CI, where .ci/run installs it.
func requireCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("curl is missing (.ci/run installs it): %v", err)
		}
		t.Skip("curl not installed: apt-get install curl")
	}
}

// curl runs curl with args and returns the response headers and body.
func curl(t *testing.T, args ...string) (headers string, body []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hdr, err := os.CreateTemp(t.TempDir(), "headers")
	if err != nil {
		t.Fatal(err)
	}
	hdr.Close()
	cmd := exec.CommandContext(ctx, "curl", append([]string{"-sS", "--max-time", "20", "-D", hdr.Name()}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	body, err = cmd.Output()
	if err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, stderr.Bytes())
	}
	h, _ := os.ReadFile(hdr.Name())
	return string(h), body
}

// header finds a header's value in curl's -D output.
func header(headers, name string) string {
	for line := range strings.SplitSeq(headers, "\n") {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func status(headers string) string {
	first, _, _ := strings.Cut(headers, "\r\n")
	f := strings.Fields(first)
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

func TestCurlFileMount(t *testing.T) {
	requireCurl(t)
	const dir = "../examples/http-server/htdocs"
	words, err := os.ReadFile(dir + "/docs/words.txt")
	if err != nil {
		t.Fatal(err)
	}
	url := example(t, "http-server", "-root", dir)

	h, body := curl(t, url+"/docs/words.txt")
	if status(h) != "200" || !bytes.Equal(body, words) || header(h, "Cache-Control") != "private, max-age=600" {
		t.Fatalf("GET: %q, %d bytes", h, len(body))
	}
	lm, etag := header(h, "Last-Modified"), header(h, "Etag")

	tests := []struct {
		name   string
		args   []string
		status string
		body   []byte
	}{
		{"range", []string{"-r", "100-199"}, "206", words[100:200]},
		{"suffix range", []string{"-r", "-50"}, "206", words[len(words)-50:]},
		{"If-Modified-Since", []string{"-H", "If-Modified-Since: " + lm}, "304", nil},
		{"If-None-Match", []string{"-H", "If-None-Match: " + etag}, "304", nil},
		{"stale If-None-Match", []string{"-H", `If-None-Match: "x"`}, "200", words},
		{"path traversal", []string{"--path-as-is"}, "403", nil},
	}
	for _, tt := range tests {
		target := url + "/docs/words.txt"
		if tt.name == "path traversal" {
			target = url + "/docs/../../main.go"
		}
		h, body := curl(t, append(tt.args, target)...)
		if status(h) != tt.status {
			t.Errorf("%s: status %q, want %s\n%s", tt.name, status(h), tt.status, h)
		}
		if tt.body != nil && !bytes.Equal(body, tt.body) {
			t.Errorf("%s: body %q, want %q", tt.name, body, tt.body)
		}
	}
	if h, _ := curl(t, "-I", url+"/docs/words.txt"); status(h) != "200" || header(h, "Content-Length") != itoa(len(words)) {
		t.Errorf("HEAD: %q", h)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestCurlZipGzipPassthrough(t *testing.T) {
	requireCurl(t)
	zr, err := zip.OpenReader("../examples/http-server-zip/candide.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var entry *zip.File
	for _, f := range zr.File {
		if f.Name == "candide.html" {
			entry = f
		}
	}
	rc, _ := entry.Open()
	html, _ := io.ReadAll(rc)
	rc.Close()
	raw, _ := entry.OpenRaw()
	deflated, _ := io.ReadAll(raw)

	url := example(t, "http-server-zip") + "/ziptest/candide.html"

	// Accepting gzip: the archive's own deflate bytes inside a gzip frame.
	h, body := curl(t, "-H", "Accept-Encoding: gzip", url)
	if status(h) != "200" || header(h, "Content-Encoding") != "gzip" || header(h, "Content-Length") != itoa(18+len(deflated)) {
		t.Fatalf("with gzip: %q", h)
	}
	if !bytes.Equal(body[10:len(body)-8], deflated) {
		t.Error("the gzip body is not the archive's deflate data")
	}
	zg, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zg); err != nil || !bytes.Equal(plain, html) {
		t.Errorf("gunzip: %d bytes, %v", len(plain), err)
	}
	// And Debian's gzip agrees.
	gz := exec.Command("gzip", "-dc")
	gz.Stdin = bytes.NewReader(body)
	if out, err := gz.Output(); err != nil || !bytes.Equal(out, html) {
		t.Errorf("gzip -dc: %d bytes, %v", len(out), err)
	}

	// curl --compressed asks for gzip and decodes it itself.
	if _, body := curl(t, "--compressed", url); !bytes.Equal(body, html) {
		t.Errorf("--compressed: %d bytes", len(body))
	}

	// Not accepting gzip: inflated, Content-Length the real size.
	h, body = curl(t, url)
	if status(h) != "200" || header(h, "Content-Encoding") != "" || header(h, "Content-Length") != itoa(len(html)) || !bytes.Equal(body, html) {
		t.Errorf("without gzip: %q, %d bytes", h, len(body))
	}
}
