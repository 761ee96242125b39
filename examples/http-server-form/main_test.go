package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// post sends body and decodes the JSON answer.
func post(t *testing.T, url, contentType string, body io.Reader) (int, Answer) {
	t.Helper()
	resp, err := http.Post(url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("answer: %v", err)
	}
	return resp.StatusCode, a
}

func TestURLEncoded(t *testing.T) {
	u := extest.Start(t, run)
	status, a := post(t, u+"/formtest", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"text": {"hello world"}, "b": {"2", "3"}}.Encode()))
	want := []Field{{"b", "2"}, {"b", "3"}, {"text", "hello world"}}
	if status != 200 || len(a.Files) != 0 || !equalFields(a.Fields, want) {
		t.Fatalf("%d %+v, want %+v", status, a, want)
	}
}

func equalFields(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMultipartUpload(t *testing.T) {
	u := extest.Start(t, run)
	file := make([]byte, 3<<20+17)
	rand.NewChaCha8([32]byte{1}).Read(file)
	sum := sha256.Sum256(file)

	// The body is streamed to the server as it is written.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("text", "hello")
		fw, _ := mw.CreateFormFile("file", "random.bin")
		fw.Write(file)
		mw.WriteField("after", "the file")
		pw.CloseWithError(mw.Close())
	}()
	status, a := post(t, u+"/formtest", mw.FormDataContentType(), pr)
	wantFile := File{"file", "random.bin", int64(len(file)), hex.EncodeToString(sum[:])}
	if status != 200 || !equalFields(a.Fields, []Field{{"text", "hello"}, {"after", "the file"}}) ||
		len(a.Files) != 1 || a.Files[0] != wantFile {
		t.Fatalf("%d %+v, want the fields and %+v", status, a, wantFile)
	}
}

func TestRefusals(t *testing.T) {
	u := extest.Start(t, run)
	tests := []struct {
		name, contentType, body string
		status                  int
	}{
		{"unsupported type", "text/plain", "x", http.StatusUnsupportedMediaType},
		{"multipart without boundary", "multipart/form-data", "x", http.StatusUnsupportedMediaType},
		{"broken multipart", "multipart/form-data; boundary=xyz", "--xyz\r\nno header end", http.StatusBadRequest},
		{"too large", "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", maxURLEncoded), http.StatusRequestEntityTooLarge},
		{"bad escape", "application/x-www-form-urlencoded", "a=%zz", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := post(t, u+"/formtest", tt.contentType, strings.NewReader(tt.body))
			if status != tt.status || a.Error == "" {
				t.Fatalf("%d %+v, want %d with an error", status, a, tt.status)
			}
		})
	}
	resp, err := http.Get(u + "/formtest")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	resp, err = http.Get(u + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`enctype="multipart/form-data"`)) {
		t.Fatalf("page: %q", b)
	}
}
