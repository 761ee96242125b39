package postdemo

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// session answers one request to the mount. Its callbacks run one at a
// time; only the parser goroutine of a multipart body runs beside them,
// and it talks to the session through feed and parsed.
type session struct {
	multipart bool
	body      []byte           // an urlencoded body, bounded by MaxURLEncoded
	feed      *feed            // the chunks of a multipart body, to the parser
	parsed    chan parseResult // the parser's result
	status    int              // the answer, once known (0 before)
	answer    []byte
	wrote     int  // 0: nothing, 1: header, 2: body
	bodyDone  bool // the final chunk of the body has been received
}

type parseResult struct {
	a   Answer
	err error
}

// Established looks at the request: POST of a form, or an error answer.
func (s *session) Established(c *conn.Conn) error {
	r := mux.HTTPRequest(c)
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions: // what may be done here: a page probes with it
		s.status = http.StatusNoContent
		c.RequestWritable()
		return nil
	default:
		s.fail(c, &httpError{http.StatusMethodNotAllowed, "POST a form here"})
		return nil
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err == nil && mt == "application/x-www-form-urlencoded":
	case err == nil && mt == "multipart/form-data" && params["boundary"] != "":
		s.multipart = true
		s.feed = newFeed(c)
		s.parsed = make(chan parseResult, 1)
		go s.parse(c, params["boundary"])
	default:
		s.fail(c, &httpError{http.StatusUnsupportedMediaType, "send application/x-www-form-urlencoded or multipart/form-data"})
	}
	return nil
}

// Receive takes the next chunk of the body.
func (s *session) Receive(c *conn.Conn, in conn.Chunk) error {
	s.bodyDone = s.bodyDone || in.Final
	switch {
	case s.status != 0:
		return nil // answered already: the rest of the body is ignored
	case s.multipart:
		// Hold rx off until the parser has used this chunk: it turns rx
		// back on, and only then is more of the body read.
		c.SetRx(false)
		s.feed.push(in.Data, in.Final)
	default:
		if len(s.body)+len(in.Data) > MaxURLEncoded {
			s.fail(c, &httpError{http.StatusRequestEntityTooLarge, "form too large"})
			return nil
		}
		s.body = append(s.body, in.Data...)
		if in.Final {
			s.answerURLEncoded(c)
		}
	}
	return nil
}

func (s *session) answerURLEncoded(c *conn.Conn) {
	q, err := url.ParseQuery(string(s.body))
	if err != nil {
		s.fail(c, &httpError{http.StatusBadRequest, "bad urlencoded form: " + err.Error()})
		return
	}
	a := Answer{Fields: []Field{}, Files: []File{}}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			a.Fields = append(a.Fields, Field{k, v})
		}
	}
	s.reply(c, http.StatusOK, a)
}

// Writeable sends the answer: the header, then the body, then the end.
func (s *session) Writeable(c *conn.Conn) error {
	if s.status == 0 && s.parsed != nil {
		select {
		case res := <-s.parsed:
			if res.err != nil {
				s.fail(c, res.err)
			} else {
				s.reply(c, http.StatusOK, res.a)
			}
		default:
		}
	}
	switch {
	case s.status == 0:
		return nil // nothing to say yet
	case s.wrote == 0:
		s.wrote++
		c.RequestWritable()
		h := http.Header{}
		if s.status != http.StatusNoContent {
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", strconv.Itoa(len(s.answer)))
		}
		if s.status == http.StatusNoContent || s.status == http.StatusMethodNotAllowed {
			h.Set("Allow", allowed)
		}
		if !s.bodyDone && mux.HTTPRequest(c).ContentLength != 0 {
			// Refused before the whole body came: the rest of it is not
			// read, so the connection cannot carry another request. Say
			// so, or the client would send its next request down it.
			h.Set("Connection", "close")
		}
		return c.WriteHeader(s.status, h)
	case s.wrote == 1:
		s.wrote++
		c.Close(conn.StatusNormal, "")
		return c.Write(conn.Text, s.answer)
	}
	return nil
}

// allowed lists the methods the mount answers, for OPTIONS and 405.
const allowed = "POST, OPTIONS"

// Closed stops the parser, if it still waits for the body.
func (s *session) Closed(*conn.Conn, error) {
	if s.feed != nil {
		s.feed.stop()
	}
}

func (s *session) reply(c *conn.Conn, status int, a Answer) {
	b, err := json.Marshal(a)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer"}`)
	}
	s.status, s.answer = status, append(b, '\n')
	c.RequestWritable()
}

func (s *session) fail(c *conn.Conn, err error) {
	status := http.StatusBadRequest
	var he *httpError
	if errors.As(err, &he) {
		status = he.status
	}
	s.reply(c, status, Answer{Fields: []Field{}, Files: []File{}, Error: err.Error()})
}
