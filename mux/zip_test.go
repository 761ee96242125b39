package mux

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/golws/lws/fops"
)

// candide is a stand-in for lws's candide.zip: a deflated html page and a
// stored jpg.
func candide(t *testing.T) (*fops.Zip, []byte, []byte, int64) {
	t.Helper()
	html := []byte(strings.Repeat("<p>All is for the best in the best of all possible worlds.</p>\n", 300))
	jpg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{0x42}, 500)...)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	fw, _ := w.CreateHeader(&zip.FileHeader{Name: "candide.html", Method: zip.Deflate, Modified: siteTime})
	fw.Write(html)
	fw, _ = w.CreateHeader(&zip.FileHeader{Name: "cover.jpg", Method: zip.Store, Modified: siteTime})
	fw.Write(jpg)
	// A bomb: 4 MiB of zeros declared as 3000 bytes.
	var comp bytes.Buffer
	zw, _ := flate.NewWriter(&comp, flate.BestCompression)
	zeros := make([]byte, 4<<20)
	zw.Write(zeros)
	zw.Close()
	raw, _ := w.CreateRaw(&zip.FileHeader{Name: "bomb.txt", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(zeros[:3000]),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: 3000})
	raw.Write(comp.Bytes())
	w.Close()
	z, err := fops.NewZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	return z, html, jpg, int64(zr.File[0].CompressedSize64)
}

func TestZipMount(t *testing.T) {
	z, html, jpg, csize := candide(t)
	url, c := serve(t, &Vhost{Mounts: Mounts{FileMount("/ziptest", z, nil)}})
	get := func(path, acceptEncoding, rng string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", url+path, nil)
		if acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", acceptEncoding)
		}
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}

	// A client accepting gzip gets the archive's deflate data, framed.
	resp, body := get("/ziptest/candide.html", "gzip, deflate", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %s %v", resp.Status, resp.Header)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.FormatInt(18+csize, 10) || int64(len(body)) != 18+csize {
		t.Errorf("gzip Content-Length %s, body %d, want 18+%d", cl, len(body), csize)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("gzip Content-Type %q", ct)
	}
	if resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary %q", resp.Header.Get("Vary"))
	}
	gzETag := resp.Header.Get("Etag")
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, html) {
		t.Fatalf("gunzip: %d bytes, %v", len(plain), err)
	}

	// A range of the gzip form gets the whole stream; its ETag revalidates.
	resp, body = get("/ziptest/candide.html", "gzip", "bytes=0-9")
	if resp.StatusCode != 200 || int64(len(body)) != 18+csize || resp.Header.Get("Content-Length") != strconv.FormatInt(18+csize, 10) {
		t.Errorf("gzip with Range: %s, %d bytes, Content-Length %q", resp.Status, len(body), resp.Header.Get("Content-Length"))
	}
	req, _ := http.NewRequest("GET", url+"/ziptest/candide.html", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", gzETag)
	if resp, err := c.Do(req); err != nil || resp.StatusCode != 304 {
		t.Errorf("gzip If-None-Match: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Without gzip: inflated, Content-Length the uncompressed size.
	resp, body = get("/ziptest/candide.html", "", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, html) {
		t.Fatalf("identity: %s %v, %d bytes", resp.Status, resp.Header, len(body))
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(html)) {
		t.Errorf("identity Content-Length %s, want %d", cl, len(html))
	}
	if resp.Header.Get("Etag") == gzETag {
		t.Error("both encodings have the same ETag")
	}
	// gzip;q=0 counts as refusing it.
	if resp, _ = get("/ziptest/candide.html", "gzip;q=0, identity", ""); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}

	// Ranges of the inflated content, out of order across requests.
	for _, rng := range [][2]int{{1000, 1099}, {10, 19}, {len(html) - 5, len(html) - 1}} {
		resp, body = get("/ziptest/candide.html", "", "bytes="+strconv.Itoa(rng[0])+"-"+strconv.Itoa(rng[1]))
		if resp.StatusCode != 206 || !bytes.Equal(body, html[rng[0]:rng[1]+1]) {
			t.Errorf("range %v: %s %q", rng, resp.Status, body)
		}
	}

	// The stored jpg is the same either way.
	for _, ae := range []string{"gzip", ""} {
		resp, body = get("/ziptest/cover.jpg", ae, "")
		if resp.StatusCode != 200 || !bytes.Equal(body, jpg) || resp.Header.Get("Content-Type") != "image/jpeg" || resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("cover.jpg (%q): %s %v", ae, resp.Status, resp.Header)
		}
	}
	if resp, _ = get("/ziptest/nothing.html", "gzip", ""); resp.StatusCode != 404 {
		t.Errorf("missing entry: %s", resp.Status)
	}

	// A bomb's gzip form is just bytes; inflating it fails, and the client
	// sees a broken response, never more than the declared size.
	req, _ = http.NewRequest("GET", url+"/ziptest/bomb.txt", nil)
	resp, err = c.Do(req)
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("bomb: read %d bytes without an error", len(body))
		}
		if len(body) > 3000 {
			t.Errorf("bomb: %d bytes, more than declared", len(body))
		}
	}
}
