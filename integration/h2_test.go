package integration

import (
	"context"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// run runs a tool with a bound on its time and returns its output.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCurlHTTP2(t *testing.T) {
	requireTool(t, "curl", "curl")
	urls := exampleN(t, "http-server-h2", 2)
	h2c, h2 := urls[0], urls[1]
	tests := []struct {
		name string
		args []string
	}{
		{"h2c prior knowledge", []string{"--http2-prior-knowledge", h2c + "/"}},
		{"h2 over TLS by ALPN", []string{"-k", "--http2", h2 + "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, "curl", append([]string{"-sS", "--max-time", "20", "-w", "version=%{http_version}"}, tt.args...)...)
			if out != "hello over HTTP/2.0\nversion=2" {
				t.Fatalf("curl printed %q", out)
			}
		})
	}
	// "--http2" over plain TCP (Upgrade: h2c) is upgraded: the request that
	// asked is answered as stream 1, and the handler sees HTTP/2.
	if out := run(t, "curl", "-sS", "--max-time", "20", "--http2", "-w", "version=%{http_version}", h2c+"/"); out != "hello over HTTP/2.0\nversion=2" {
		t.Fatalf("curl --http2 over plain TCP printed %q", out)
	}
	// HTTP/1.1 still works on the h2c port.
	if out := run(t, "curl", "-sS", "--max-time", "20", "--http1.1", "-w", "version=%{http_version}", h2c+"/"); out != "hello over HTTP/1.1\nversion=1.1" {
		t.Fatalf("curl --http1.1 on the h2c port printed %q", out)
	}
}

func TestNghttp(t *testing.T) {
	requireTool(t, "nghttp", "nghttp2-client")
	urls := exampleN(t, "http-server-h2", 2)
	for _, u := range urls {
		t.Run(u[:strings.Index(u, ":")], func(t *testing.T) {
			out := run(t, "nghttp", "-nv", "-t", "20", u+"/", u+"/big")
			for _, want := range []string{
				"recv SETTINGS frame",
				"[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):128]",
				"[SETTINGS_INITIAL_WINDOW_SIZE(0x04):262144]",
				"[SETTINGS_MAX_FRAME_SIZE(0x05):65536]",
				"(window_size_increment=33488897)", // a 32 MiB connection window (128 streams × 256 KiB)
				":status: 200",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("nghttp output lacks %q", want)
				}
			}
			if strings.HasPrefix(u, "https") && !strings.Contains(out, "The negotiated protocol: h2") {
				t.Errorf("no h2 by ALPN")
			}
			if n := strings.Count(out, ":status: 200"); n != 2 {
				t.Errorf("%d responses with status 200, want 2", n)
			}
			if t.Failed() {
				t.Logf("%s", out)
			}
		})
	}
}

var h2loadDone = regexp.MustCompile(`requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored`)

func TestH2load(t *testing.T) {
	requireTool(t, "h2load", "nghttp2-client")
	urls := exampleN(t, "http-server-h2", 2)
	for _, u := range urls {
		t.Run(u[:strings.Index(u, ":")], func(t *testing.T) {
			out := run(t, "h2load", "-n", "2000", "-c", "10", "-m", "10", "-T", "20", u+"/")
			m := h2loadDone.FindStringSubmatch(out)
			if m == nil || m[4] != "2000" || m[5] != "0" || m[6] != "0" {
				t.Fatalf("h2load:\n%s", out)
			}
			if !strings.Contains(out, "Application protocol: h2") && !strings.Contains(out, "Application protocol: h2c") {
				t.Errorf("not HTTP/2:\n%s", out)
			}
			for line := range strings.SplitSeq(out, "\n") {
				if strings.HasPrefix(line, "finished in") {
					t.Logf("%s: %s", u, line)
				}
			}
		})
	}
}

func TestCurlVhosts(t *testing.T) {
	requireTool(t, "curl", "curl")
	base := example(t, "http-server-vhosts")
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	port := pu.Port()
	resolve := func(name string) []string {
		return []string{"--resolve", name + ":" + port + ":127.0.0.1", "https://" + name + ":" + port + "/"}
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"by SNI", resolve("alpha.test"), []string{"vhost alpha.test", "sni alpha.test", "CN=alpha.test"}},
		{"wildcard by SNI", resolve("x.beta.test"), []string{"vhost beta.test", "sni x.beta.test", "CN=beta.test"}},
		{"unknown name", resolve("gamma.test"), []string{"vhost localhost", "CN=localhost"}},
		{"by Host alone", []string{"-H", "Host: beta.test", base + "/"}, []string{"vhost beta.test", "sni \n", "CN=localhost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(t, "curl", append([]string{"-sSkv", "--max-time", "20"}, tt.args...)...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("curl output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
