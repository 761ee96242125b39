package postdemo_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/postdemo"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// serve runs a vhost on a loopback port with the protocol mounted at
// /formtest, until the test ends. It returns the vhost's URL and binding.
func serve(t *testing.T) (string, *lws.VhostProtocol) {
	t.Helper()
	v := lwstest.Serve(t, lws.VhostOptions{
		Protocols: []*lws.Protocol{postdemo.Protocol},
		Mounts:    []mux.Mount{lws.CallbackMount("/formtest", postdemo.Name)},
	})
	// Cleanups run last-first: idle keep-alive connections go before Run stops.
	t.Cleanup(http.DefaultClient.CloseIdleConnections)
	return v.URL(), v.Protocol(postdemo.Name)
}

// post sends body and decodes the JSON answer.
func post(t *testing.T, url, contentType string, body io.Reader) (int, postdemo.Answer) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Post(url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var a postdemo.Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("answer: %v", err)
	}
	return resp.StatusCode, a
}

type field = postdemo.Field

func TestURLEncoded(t *testing.T) {
	u, _ := serve(t)
	tests := []struct {
		name string
		body string
		want []field
	}{
		{"empty", "", []field{}},
		{"one field", "text=hello", []field{{Name: "text", Value: "hello"}}},
		{"sorted, repeated, escaped", url.Values{"text": {"hello world"}, "b": {"2", "3"}}.Encode(),
			[]field{{Name: "b", Value: "2"}, {Name: "b", Value: "3"}, {Name: "text", Value: "hello world"}}},
		{"at the limit", "a=" + strings.Repeat("x", postdemo.MaxURLEncoded-2),
			[]field{{Name: "a", Value: strings.Repeat("x", postdemo.MaxURLEncoded-2)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := post(t, u+"/formtest", "application/x-www-form-urlencoded", strings.NewReader(tt.body))
			if status != http.StatusOK || a.Error != "" || a.Files == nil || len(a.Files) != 0 || !reflect.DeepEqual(a.Fields, tt.want) {
				t.Fatalf("%d %+v, want %+v", status, a, tt.want)
			}
		})
	}
}

// multipartBody streams a multipart body made by write through a pipe, so
// the server receives it as it is written.
func multipartBody(write func(*multipart.Writer) error) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := write(mw)
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	return pr, mw.FormDataContentType()
}

func randomFile(seed byte, n int) ([]byte, string) {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{seed}).Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// TestMultipartUpload posts what the test server's page posts — a text
// field and a file of a few MiB — and more files and fields around them.
func TestMultipartUpload(t *testing.T) {
	u, _ := serve(t)
	big, bigSum := randomFile(1, 3<<20+17)
	small, smallSum := randomFile(2, 1000)
	tests := []struct {
		name       string
		write      func(*multipart.Writer) error
		wantFields []field
		wantFiles  []postdemo.File
	}{
		{"the page's form", func(mw *multipart.Writer) error {
			mw.WriteField("text", "hello")
			fw, _ := mw.CreateFormFile("file", "random.bin")
			_, err := fw.Write(big)
			return err
		}, []field{{Name: "text", Value: "hello"}},
			[]postdemo.File{{Field: "file", Name: "random.bin", Size: int64(len(big)), SHA256: bigSum}}},
		{"files and fields interleaved", func(mw *multipart.Writer) error {
			mw.WriteField("text", "hello")
			fw, _ := mw.CreateFormFile("file", "big.bin")
			fw.Write(big)
			mw.WriteField("after", "the file")
			fw, _ = mw.CreateFormFile("other", "small.bin")
			fw.Write(small)
			_, err := mw.CreateFormFile("empty", "empty.txt")
			return err
		}, []field{{Name: "text", Value: "hello"}, {Name: "after", Value: "the file"}},
			[]postdemo.File{
				{Field: "file", Name: "big.bin", Size: int64(len(big)), SHA256: bigSum},
				{Field: "other", Name: "small.bin", Size: int64(len(small)), SHA256: smallSum},
				{Field: "empty", Name: "empty.txt", Size: 0, SHA256: hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }())},
			}},
		{"no parts", func(*multipart.Writer) error { return nil }, []field{}, []postdemo.File{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(tt.write)
			status, a := post(t, u+"/formtest", ct, body)
			if status != http.StatusOK || a.Error != "" || !reflect.DeepEqual(a.Fields, tt.wantFields) || !reflect.DeepEqual(a.Files, tt.wantFiles) {
				t.Fatalf("%d %+v\nwant fields %+v files %+v", status, a, tt.wantFields, tt.wantFiles)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	u, _ := serve(t)
	manyParts := func() string {
		var b bytes.Buffer
		for range postdemo.MaxParts + 1 {
			b.WriteString("--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n")
		}
		return b.String() + "--xyz--\r\n"
	}()
	bigField := "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" +
		strings.Repeat("x", postdemo.MaxField+1) + "\r\n--xyz--\r\n"
	tests := []struct {
		name, method, contentType, body string
		status                          int
	}{
		{"GET", http.MethodGet, "", "", http.StatusMethodNotAllowed},
		{"PUT", http.MethodPut, "application/x-www-form-urlencoded", "a=b", http.StatusMethodNotAllowed},
		{"no content type", http.MethodPost, "", "a=b", http.StatusUnsupportedMediaType},
		{"unsupported type", http.MethodPost, "text/plain", "x", http.StatusUnsupportedMediaType},
		{"multipart without boundary", http.MethodPost, "multipart/form-data", "x", http.StatusUnsupportedMediaType},
		{"broken multipart", http.MethodPost, "multipart/form-data; boundary=xyz", "--xyz\r\nno header end", http.StatusBadRequest},
		{"too many parts", http.MethodPost, "multipart/form-data; boundary=xyz", manyParts, http.StatusRequestEntityTooLarge},
		{"field too large", http.MethodPost, "multipart/form-data; boundary=xyz", bigField, http.StatusRequestEntityTooLarge},
		{"urlencoded too large", http.MethodPost, "application/x-www-form-urlencoded", "a=" + strings.Repeat("x", postdemo.MaxURLEncoded), http.StatusRequestEntityTooLarge},
		{"bad escape", http.MethodPost, "application/x-www-form-urlencoded", "a=%zz", http.StatusBadRequest},
	}
	// Several rounds on one client: a refusal before the body was read
	// must not leave a connection that the next request would be sent on.
	client := &http.Client{Timeout: 30 * time.Second}
	for round := range 3 {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d", tt.name, round), func(t *testing.T) {
				req, err := http.NewRequest(tt.method, u+"/formtest", strings.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				if tt.contentType != "" {
					req.Header.Set("Content-Type", tt.contentType)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var a postdemo.Answer
				if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
					t.Fatalf("answer: %v", err)
				}
				if resp.StatusCode != tt.status || a.Error == "" {
					t.Fatalf("%d %+v, want %d with an error", resp.StatusCode, a, tt.status)
				}
				if allow := resp.Header.Get("Allow"); tt.status == http.StatusMethodNotAllowed && allow != "POST, OPTIONS" {
					t.Fatalf("405 with Allow %q, want %q", allow, "POST, OPTIONS")
				}
			})
		}
	}
	client.CloseIdleConnections()
}

// TestOptions: OPTIONS, which the test page probes the mount with, is
// answered 204 with the methods allowed, and no body.
func TestOptions(t *testing.T) {
	u, _ := serve(t)
	req, err := http.NewRequest(http.MethodOptions, u+"/formtest", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Allow") != "POST, OPTIONS" || len(b) != 0 {
		t.Fatalf("%s Allow %q body %q, want 204 Allow \"POST, OPTIONS\" and no body", resp.Status, resp.Header.Get("Allow"), b)
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestClientGoesAwayMidUpload cuts an upload off half way: the session and
// its parser end (goleak checks the parser goroutine), and the server goes
// on answering.
func TestClientGoesAwayMidUpload(t *testing.T) {
	u, vp := serve(t)
	nc, err := net.Dial("tcp", strings.TrimPrefix(u, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	part := "--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n" + strings.Repeat("x", 100<<10)
	fmt.Fprintf(nc, "POST /formtest HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: %d\r\n\r\n%s",
		len(part)+1<<20, part)
	waitFor(t, "the upload to start", func() bool { return vp.Len() == 1 })
	nc.Close()
	waitFor(t, "the session to end", func() bool { return vp.Len() == 0 })

	status, a := post(t, u+"/formtest", "application/x-www-form-urlencoded", strings.NewReader("still=here"))
	if status != http.StatusOK || len(a.Fields) != 1 {
		t.Fatalf("after the cut: %d %+v", status, a)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10 s", what)
		}
		<-time.After(5 * time.Millisecond)
	}
}
