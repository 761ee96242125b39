package postdemo

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/golws/lws/conn"
)

// errPartHeaderTooLarge is what the parser reads when a part's header
// block runs past MaxPartHeader.
var errPartHeaderTooLarge = errors.New("part header too large")

// headerLimit is the view of the body the multipart reader reads: while
// the reader looks for the next part and reads its header block (arm), it
// may take only so many bytes; in a part's body (disarm) it is unbounded.
// mime/multipart would otherwise read a header block of up to 10 MiB
// into memory.
type headerLimit struct {
	r      io.Reader
	budget int64 // bytes left while armed, or -1
}

func (l *headerLimit) arm(n int64) { l.budget = n }
func (l *headerLimit) disarm()     { l.budget = -1 }

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.budget < 0 {
		return l.r.Read(p)
	}
	if l.budget == 0 {
		return 0, errPartHeaderTooLarge
	}
	if int64(len(p)) > l.budget {
		p = p[:l.budget]
	}
	n, err := l.r.Read(p)
	l.budget -= int64(n)
	return n, err
}

// parse runs in a goroutine of its own: it reads the multipart body from
// the feed as the chunks arrive, hashing files as they stream by, and hands
// its result to the session.
func (s *session) parse(c *conn.Conn, boundary string) {
	// While armed, the reader may read the boundary line, the header
	// block and what its buffer (4 KiB) reads ahead.
	lim := &headerLimit{r: s.feed, budget: -1}
	a, err := parseMultipart(multipart.NewReader(lim, boundary), lim, int64(MaxPartHeader+len(boundary)+8+4<<10))
	if err == nil {
		// Read what follows the closing boundary, so the client can finish
		// sending.
		_, err = io.Copy(io.Discard, s.feed)
	}
	s.parsed <- parseResult{a, err}
	c.RequestWritable()
}

// parseMultipart reads every part: fields whole (bounded), files hashed.
// Each part's header block is read with lim armed with budget bytes.
func parseMultipart(mr *multipart.Reader, lim *headerLimit, budget int64) (Answer, error) {
	a := Answer{Fields: []Field{}, Files: []File{}}
	for n := 0; ; n++ {
		// Every part before this one was read to its end, so what NextPart
		// reads is the boundary and the header block.
		lim.arm(budget)
		part, err := mr.NextPart()
		lim.disarm()
		if err == io.EOF {
			return a, nil
		}
		if errors.Is(err, errPartHeaderTooLarge) {
			return a, &httpError{http.StatusRequestEntityTooLarge, "part header too large"}
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
