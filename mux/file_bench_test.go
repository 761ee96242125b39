package mux

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/golws/lws/fops"
)

// BenchmarkStaticFile serves the same 7 KB and 2.4 MB files through a golws
// file mount and through net/http's FileServer, over loopback HTTP/1.1 with
// keep-alive, in the same run:
//
//	go test -run '^$' -bench StaticFile -benchmem ./mux
func BenchmarkStaticFile(b *testing.B) {
	dir := b.TempDir()
	sizes := []struct {
		name string
		size int
	}{{"7KB", 7 * 1024}, {"2.4MB", 2400 * 1024}}
	for _, s := range sizes {
		data := make([]byte, s.size)
		rand.Read(data)
		if err := os.WriteFile(filepath.Join(dir, s.name+".bin"), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	root, err := fops.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	servers := []struct {
		name string
		h    http.Handler
	}{
		{"golws", &Vhost{Mounts: Mounts{FileMount("/", root, &FileOptions{MaxAge: 60, Reusable: true})}}},
		{"net-http", http.FileServer(http.Dir(dir))},
	}
	for _, s := range sizes {
		for _, srv := range servers {
			b.Run(s.name+"/"+srv.name, func(b *testing.B) {
				ts := httptest.NewServer(srv.h)
				defer ts.Close()
				c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
				defer c.CloseIdleConnections()
				url := ts.URL + "/" + s.name + ".bin"
				b.SetBytes(int64(s.size))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						resp, err := c.Get(url)
						if err != nil {
							b.Error(err)
							return
						}
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != 200 || n != int64(s.size) {
							b.Errorf("%s: %d bytes", resp.Status, n)
							return
						}
					}
				})
			})
		}
	}
}
