// Command benchstatic measures static file serving through a golws file
// mount against net/http's FileServer on the same files, in the same run:
// requests per second for a 7 KB and a 2.4 MB file over HTTP/1.1 with wrk
// and over HTTP/2 (h2c, prior knowledge) with h2load. It prints a Markdown
// table with the golws ÷ net/http ratio. `make bench-static` runs it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/mux"
)

func main() {
	duration := flag.Duration("d", 5*time.Second, "length of each wrk run")
	only := flag.String("only", "", "run only the tool named (wrk or h2load)")
	requests := flag.Int("n", 20000, "requests of each h2load run")
	flag.Parse()
	if err := run(*duration, *requests, *only); err != nil {
		log.Fatal(err)
	}
}

// files are the sizes measured.
var files = []struct {
	name string
	size int
}{{"small.html", 7 * 1024}, {"large.bin", 2400 * 1024}}

func run(d time.Duration, n int, only string) error {
	dir, err := os.MkdirTemp("", "benchstatic-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, f := range files {
		b := make([]byte, f.size)
		rand.Read(b)
		if err := os.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return err
		}
	}

	golwsURL, stopGolws, err := serveGolws(dir)
	if err != nil {
		return err
	}
	defer stopGolws()
	plainURL, stopPlain, err := servePlain(dir)
	if err != nil {
		return err
	}
	defer stopPlain()

	fmt.Printf("| file | protocol | net/http req/s | golws req/s | golws ÷ net/http |\n|---|---|---:|---:|---:|\n")
	for _, f := range files {
		for _, tool := range []struct {
			name, proto string
			run         func(url string) (float64, error)
		}{
			{"wrk", "HTTP/1.1 (wrk -t2 -c32)", func(u string) (float64, error) { return wrk(u, d) }},
			{"h2load", "h2c (h2load -c10 -m10)", func(u string) (float64, error) { return h2load(u, n) }},
		} {
			if only != "" && only != tool.name {
				continue
			}
			// Alternate the servers, twice each, and keep the better run of
			// each: the machine is shared by client and server.
			var plain, golws float64
			for range 2 {
				p, err := tool.run(plainURL + "/" + f.name)
				if err != nil {
					return err
				}
				g, err := tool.run(golwsURL + "/" + f.name)
				if err != nil {
					return err
				}
				plain, golws = max(plain, p), max(golws, g)
			}
			fmt.Printf("| %s (%d B) | %s | %.0f | %.0f | %.2f× |\n", f.name, f.size, tool.proto, plain, golws, golws/plain)
		}
	}
	return nil
}

func serveGolws(dir string) (string, func(), error) {
	root, err := fops.OpenRoot(dir)
	if err != nil {
		return "", nil, err
	}
	c := lws.New(&lws.Options{Logger: logging.NewLogger(io.Discard, logging.LevelErr)})
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:   "127.0.0.1:0",
		Listener: &listen.Options{H2C: true},
		Mounts:   []mux.Mount{mux.FileMount("/", root, &mux.FileOptions{MaxAge: 60, Reusable: true})},
	})
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	return v.URL(), func() { cancel(); <-done; root.Close() }, nil
}

func servePlain(dir string) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), Protocols: &protocols}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

var (
	wrkRate    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	h2loadRate = regexp.MustCompile(`finished in [\d.]+m?s, ([\d.]+) req/s`)
	h2loadOK   = regexp.MustCompile(`requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded`)
)

func wrk(url string, d time.Duration) (float64, error) {
	out, err := exec.Command("wrk", "-t2", "-c32", "-d"+d.String(), url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk %s: %v\n%s", url, err, out)
	}
	return rate(wrkRate, out, url)
}

func h2load(url string, n int) (float64, error) {
	out, err := exec.Command("h2load", "-n", strconv.Itoa(n), "-c10", "-m10", url).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("h2load %s: %v\n%s", url, err, out)
	}
	if m := h2loadOK.FindSubmatch(out); m == nil || string(m[1]) != strconv.Itoa(n) {
		return 0, fmt.Errorf("h2load %s: not every request succeeded:\n%s", url, out)
	}
	return rate(h2loadRate, out, url)
}

func rate(re *regexp.Regexp, out []byte, url string) (float64, error) {
	m := re.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("%s: no rate in output:\n%s", url, bytes.TrimSpace(out))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}
