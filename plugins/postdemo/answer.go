package postdemo

// Limits of what one request may send besides files: a request past one
// of them is answered 413 with an error.
const (
	// MaxURLEncoded bounds a whole urlencoded body.
	MaxURLEncoded = 64 << 10
	// MaxField bounds the value of one multipart field (files are not
	// bounded: they are hashed as they stream by).
	MaxField = 64 << 10
	// MaxParts bounds the number of parts of a multipart body.
	MaxParts = 1000
	// MaxPartHeader bounds the header block of one multipart part (for
	// the first part, with any preamble before it): the parser holds a
	// header block whole, so it must stay about one chunk.
	MaxPartHeader = 16 << 10
)

// Answer is what the server received, sent back as JSON (Content-Type
// application/json): the fields in the order received (urlencoded ones
// sorted by name), and the files. Fields and Files are never null. Error is
// set, with a status other than 200, when the request was refused.
type Answer struct {
	Fields []Field `json:"fields"`
	Files  []File  `json:"files"`
	Error  string  `json:"error,omitempty"`
}

// Field is a form field.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// File is an uploaded file: its form field, its name, its size and its
// SHA-256 in hex.
type File struct {
	Field  string `json:"field"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// httpError is an answer with a status other than 200.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }
