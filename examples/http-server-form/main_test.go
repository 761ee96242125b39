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
	"reflect"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
	"github.com/golws/lws/plugins/postdemo"
)

// The protocol's own tests (plugins/postdemo) cover the refusals and the
// limits; these check that the example serves its page and its mount.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// post sends body and decodes the JSON answer.
func post(t *testing.T, url, contentType string, body io.Reader) (int, postdemo.Answer) {
	t.Helper()
	resp, err := http.Post(url, contentType, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a postdemo.Answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("answer: %v", err)
	}
	return resp.StatusCode, a
}

func TestPageAndForms(t *testing.T) {
	u := extest.Start(t, run)
	defer http.DefaultClient.CloseIdleConnections()

	resp, err := http.Get(u + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte(`enctype="multipart/form-data"`)) {
		t.Fatalf("page: %q", b)
	}

	status, a := post(t, u+"/formtest", "application/x-www-form-urlencoded", strings.NewReader("text=hello+world"))
	if want := []postdemo.Field{{Name: "text", Value: "hello world"}}; status != 200 || !reflect.DeepEqual(a.Fields, want) {
		t.Fatalf("urlencoded: %d %+v", status, a)
	}

	file := make([]byte, 1<<20+3)
	rand.NewChaCha8([32]byte{1}).Read(file)
	sum := sha256.Sum256(file)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("text", "hello")
	fw, _ := mw.CreateFormFile("file", "random.bin")
	fw.Write(file)
	mw.Close()
	status, a = post(t, u+"/formtest", mw.FormDataContentType(), &body)
	wantFile := postdemo.File{Field: "file", Name: "random.bin", Size: int64(len(file)), SHA256: hex.EncodeToString(sum[:])}
	if status != 200 || len(a.Files) != 1 || a.Files[0] != wantFile {
		t.Fatalf("multipart: %d %+v, want %+v", status, a, wantFile)
	}
}
