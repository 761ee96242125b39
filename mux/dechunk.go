package mux

import (
	"errors"
	"io"
)

// ErrChunked reports a malformed chunked body from an upstream (a CGI
// script that sent Transfer-Encoding: chunked and broke its framing).
var ErrChunked = errors.New("mux: malformed chunked encoding")

// Limits of the chunked decoder: a size line, and all trailer lines.
const (
	maxChunkLine     = 4096
	maxChunkTrailers = 16 << 10
	maxChunkSize     = 1 << 62
)

// Decoder states.
const (
	chSize        = iota // reading hex digits of a chunk size
	chSizeRest           // after the digits: whitespace or ";extension", to LF
	chExt                // inside an extension, to LF
	chData               // n bytes of chunk data left
	chDataCR             // the CRLF after chunk data: CR or LF expected
	chDataLF             // LF expected after CR
	chTrailer            // at the start of a trailer line (an empty line ends)
	chTrailerLine        // inside a trailer line, to LF
	chDone               // the terminating empty line has been seen
)

// dechunker decodes a chunked body written to it piece by piece, writing
// the chunk data to w as it arrives, so a streamed upstream stays streamed
// and nothing is buffered. It is what turns a CGI script's chunked output
// into a body that HTTP/1 re-frames and HTTP/2 sends as DATA frames.
type dechunker struct {
	w      io.Writer
	state  int
	n      int64 // chunk bytes left (chData) or digits read (chSize)
	size   int64 // the chunk size being parsed
	line   int   // bytes of the current size or trailer line
	trails int   // trailer bytes so far
	err    error
}

// Write decodes p. Data bytes go to w; framing is consumed. It fails with
// ErrChunked on malformed input (and keeps failing), or with w's error.
func (d *dechunker) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	total := len(p)
	for len(p) > 0 {
		if d.state == chData {
			k := int64(len(p))
			if k > d.n {
				k = d.n
			}
			if _, err := d.w.Write(p[:k]); err != nil {
				d.err = err
				return total - len(p), err
			}
			p = p[k:]
			if d.n -= k; d.n == 0 {
				d.state = chDataCR
			}
			continue
		}
		if err := d.step(p[0]); err != nil {
			d.err = err
			return total - len(p), err
		}
		p = p[1:]
	}
	return total, nil
}

// step consumes one framing byte.
func (d *dechunker) step(b byte) error {
	switch d.state {
	case chSize:
		if v, ok := hexVal(b); ok {
			if d.size > maxChunkSize>>4 {
				return ErrChunked
			}
			d.size = d.size<<4 | v
			d.n++
			return d.lineByte()
		}
		if d.n == 0 {
			return ErrChunked // no digits
		}
		d.state = chSizeRest
		return d.step(b)
	case chSizeRest:
		switch b {
		case ' ', '\t', '\r':
			return d.lineByte()
		case ';':
			d.state = chExt
			return d.lineByte()
		case '\n':
			return d.endSize()
		}
		return ErrChunked
	case chExt:
		if b == '\n' {
			return d.endSize()
		}
		return d.lineByte()
	case chDataCR:
		switch b {
		case '\r':
			d.state = chDataLF
			return nil
		case '\n':
			d.startSize()
			return nil
		}
		return ErrChunked
	case chDataLF:
		if b != '\n' {
			return ErrChunked
		}
		d.startSize()
		return nil
	case chTrailer, chTrailerLine:
		if d.trails++; d.trails > maxChunkTrailers {
			return ErrChunked
		}
		switch {
		case b == '\n' && d.state == chTrailer:
			d.state = chDone
		case b == '\n':
			d.state = chTrailer
		case b == '\r' && d.state == chTrailer:
			// a CR before the LF of the empty line
		default:
			d.state = chTrailerLine
		}
		return nil
	case chDone:
		return ErrChunked // bytes after the end of the body
	}
	return ErrChunked
}

func (d *dechunker) lineByte() error {
	if d.line++; d.line > maxChunkLine {
		return ErrChunked
	}
	return nil
}

// endSize ends a size line: data follows, or the trailers after size 0.
func (d *dechunker) endSize() error {
	if d.size == 0 {
		d.state = chTrailer
		return nil
	}
	d.state, d.n = chData, d.size
	return nil
}

func (d *dechunker) startSize() {
	d.state, d.n, d.size, d.line = chSize, 0, 0, 0
}

// done reports whether the whole body, up to its final empty line, has been
// decoded.
func (d *dechunker) done() bool { return d.state == chDone && d.err == nil }

func hexVal(b byte) (int64, bool) {
	switch {
	case '0' <= b && b <= '9':
		return int64(b - '0'), true
	case 'a' <= b && b <= 'f':
		return int64(b-'a') + 10, true
	case 'A' <= b && b <= 'F':
		return int64(b-'A') + 10, true
	}
	return 0, false
}
