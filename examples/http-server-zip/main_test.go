package main

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestZipMount(t *testing.T) {
	zr, err := zip.NewReader(bytes.NewReader(candide), int64(len(candide)))
	if err != nil {
		t.Fatal(err)
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		entries[f.Name] = f
	}
	read := func(name string) []byte {
		rc, err := entries[name].Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		return b
	}
	html, jpg := read("candide.html"), read("cover.jpg")

	url := extest.Start(t, run)
	// DisableCompression: the transport neither asks for gzip nor undoes it.
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	tests := []struct {
		path, acceptEncoding string
		want                 []byte
		gzipped              bool
		length               int64
		ctype                string
	}{
		{"/ziptest/candide.html", "gzip", html, true, 18 + int64(entries["candide.html"].CompressedSize64), "text/html; charset=utf-8"},
		{"/ziptest/candide.html", "", html, false, int64(len(html)), "text/html; charset=utf-8"},
		{"/ziptest/", "", html, false, int64(len(html)), "text/html; charset=utf-8"}, // the default document
		{"/ziptest/cover.jpg", "gzip", jpg, false, int64(len(jpg)), "image/jpeg"},
		{"/ziptest/cover.jpg", "", jpg, false, int64(len(jpg)), "image/jpeg"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", url+tt.path, nil)
		if tt.acceptEncoding != "" {
			req.Header.Set("Accept-Encoding", tt.acceptEncoding)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype {
			t.Fatalf("GET %s (%q): %s %v", tt.path, tt.acceptEncoding, resp.Status, resp.Header)
		}
		if got := resp.Header.Get("Content-Length"); got != strconv.FormatInt(tt.length, 10) || int64(len(body)) != tt.length {
			t.Errorf("GET %s (%q): Content-Length %s, body %d, want %d", tt.path, tt.acceptEncoding, got, len(body), tt.length)
		}
		if gz := resp.Header.Get("Content-Encoding") == "gzip"; gz != tt.gzipped {
			t.Errorf("GET %s (%q): Content-Encoding %q", tt.path, tt.acceptEncoding, resp.Header.Get("Content-Encoding"))
		}
		if tt.gzipped {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(body, tt.want) {
			t.Errorf("GET %s (%q): content differs", tt.path, tt.acceptEncoding)
		}
	}
}
