package postdemo_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golws/lws/plugins/postdemo"
)

// TestPartHeaderBounded sends uploads whose first part has a 1 MiB header
// block (never ended): each is refused promptly with 413, and the server
// does not hold the header blocks (mime/multipart alone would read up to
// 10 MiB of each).
func TestPartHeaderBounded(t *testing.T) {
	u, _ := serve(t)
	addr := strings.TrimPrefix(u, "http://")
	const conns = 16
	pad := "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nX-Pad: " + strings.Repeat("x", 1<<20)
	head := fmt.Sprintf("POST /formtest HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n", len(pad)+1<<20)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	ncs := make([]net.Conn, conns)
	for i := range ncs {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		ncs[i] = nc
	}
	var wg sync.WaitGroup
	for _, nc := range ncs {
		wg.Go(func() {
			nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			// The server may stop reading and close once it has refused:
			// write errors are expected then.
			nc.Write([]byte(head + pad))
		})
	}
	wg.Wait()
	// Whatever the server holds now, it holds for the header blocks.
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap %d → %d bytes (%+d)", before.HeapAlloc, after.HeapAlloc, grew)
	if grew > 2<<20 {
		t.Errorf("the heap grew by %d bytes for %d part headers of 1 MiB", grew, conns)
	}

	for i, nc := range ncs {
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatalf("upload %d: no answer: %v", i, err)
		}
		var a postdemo.Answer
		err = json.NewDecoder(resp.Body).Decode(&a)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("upload %d: answer: %v", i, err)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge || a.Error == "" {
			t.Fatalf("upload %d: %d %+v, want 413 with an error", i, resp.StatusCode, a)
		}
	}
}

// TestPartHeaderAtLimit posts parts whose header blocks are just under
// MaxPartHeader, with a preamble and a long boundary: they are taken.
func TestPartHeaderAtLimit(t *testing.T) {
	u, _ := serve(t)
	boundary := strings.Repeat("b", 70)
	hdr := func(name, filename string) string {
		h := "Content-Disposition: form-data; name=\"" + name + "\""
		if filename != "" {
			h += "; filename=\"" + filename + "\""
		}
		h += "\r\nX-Pad: "
		return h + strings.Repeat("p", postdemo.MaxPartHeader-len(h)-4) + "\r\n\r\n"
	}
	body := "preamble\r\n--" + boundary + "\r\n" + hdr("text", "") + "hello\r\n" +
		"--" + boundary + "\r\n" + hdr("file", "f.bin") + strings.Repeat("z", 100<<10) + "\r\n" +
		"--" + boundary + "\r\n" + hdr("after", "") + "x\r\n" +
		"--" + boundary + "--\r\n"
	status, a := post(t, u+"/formtest", "multipart/form-data; boundary="+boundary, strings.NewReader(body))
	if status != http.StatusOK || a.Error != "" || len(a.Fields) != 2 || len(a.Files) != 1 || a.Files[0].Size != 100<<10 {
		t.Fatalf("%d %+v", status, a)
	}
}
