package raw

import "bytes"

// Class is what the first bytes of a connection look like to Classify.
type Class int

// Classes of a connection's first bytes.
const (
	// NeedMore means the bytes so far begin both something HTTP-like and
	// something else: read more (or time out).
	NeedMore Class = iota
	// HTTP means the bytes begin with an HTTP method and a space, or the
	// HTTP/2 preface ("PRI ").
	HTTP
	// TLS means the bytes begin a TLS handshake record (0x16 0x03): a
	// ClientHello for an HTTPS server.
	TLS
	// Raw means the bytes are neither.
	Raw
)

// String names the class.
func (c Class) String() string {
	switch c {
	case NeedMore:
		return "need-more"
	case HTTP:
		return "http"
	case TLS:
		return "tls"
	case Raw:
		return "raw"
	}
	return "unknown"
}

// methods are the request lines Classify recognises, each with the space
// that ends the method token. "PRI " starts the HTTP/2 connection preface.
var methods = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "),
	[]byte("DELETE "), []byte("OPTIONS "), []byte("PATCH "), []byte("CONNECT "),
	[]byte("TRACE "), []byte("PRI "),
}

// ClassifyLen is the most bytes Classify needs to decide: longer input is
// never NeedMore.
const ClassifyLen = len("OPTIONS ")

// Classify tells from the first bytes of a connection whether it speaks
// HTTP, TLS or something else (lws's raw fallback: "if the first bytes are
// not a valid HTTP method, the connection switches to RAW mode"). Methods
// are case-sensitive, as HTTP defines them; a method not followed by a space
// ("GETTY") is raw.
func Classify(p []byte) Class {
	if len(p) == 0 {
		return NeedMore
	}
	if p[0] == 0x16 {
		switch {
		case len(p) == 1:
			return NeedMore
		case p[1] == 0x03:
			return TLS
		}
		return Raw
	}
	more := false
	for _, m := range methods {
		if bytes.HasPrefix(p, m) {
			return HTTP
		}
		if len(p) < len(m) && bytes.HasPrefix(m, p) {
			more = true
		}
	}
	if more {
		return NeedMore
	}
	return Raw
}
