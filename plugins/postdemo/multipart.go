package postdemo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/golws/lws/conn"
)

// parse runs in a goroutine of its own: it reads the multipart body from
// the feed as the chunks arrive, hashing files as they stream by, and hands
// its result to the session.
func (s *session) parse(c *conn.Conn, mr *multipart.Reader) {
	a, err := parseMultipart(mr)
	if err == nil {
		// Read what follows the closing boundary, so the client can finish
		// sending.
		_, err = io.Copy(io.Discard, s.feed)
	}
	s.parsed <- parseResult{a, err}
	c.RequestWritable()
}

// parseMultipart reads every part: fields whole (bounded), files hashed.
func parseMultipart(mr *multipart.Reader) (Answer, error) {
	a := Answer{Fields: []Field{}, Files: []File{}}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			return a, nil
		}
		if err != nil {
			return a, &httpError{http.StatusBadRequest, "bad multipart body: " + err.Error()}
		}
		if n == MaxParts {
			return a, &httpError{http.StatusRequestEntityTooLarge, "too many parts"}
		}
		if part.FileName() == "" {
			v, err := io.ReadAll(io.LimitReader(part, MaxField+1))
			if err != nil {
				return a, &httpError{http.StatusBadRequest, "bad multipart body: " + err.Error()}
			}
			if len(v) > MaxField {
				return a, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("field %q too large", part.FormName())}
			}
			a.Fields = append(a.Fields, Field{part.FormName(), string(v)})
			continue
		}
		h := sha256.New()
		size, err := io.Copy(h, part)
		if err != nil {
			return a, &httpError{http.StatusBadRequest, "bad multipart body: " + err.Error()}
		}
		a.Files = append(a.Files, File{part.FormName(), part.FileName(), size, hex.EncodeToString(h.Sum(nil))})
	}
}
