package mux

import (
	"io"
	"net/http"
	"time"
)

// DefaultWriteStallTimeout is Vhost.WriteStallTimeout when left zero.
const DefaultWriteStallTimeout = 30 * time.Second

// stallPiece is the most one write deadline covers when a body is sent
// with ReadFrom (sendfile): a large file is sent in pieces, each with a
// fresh deadline, so a slow but live client is never cut off.
const stallPiece = 1 << 20

// stallWriter bounds each write of a response: a client that takes nothing
// of it for d is cut off (the write fails, net/http closes the connection
// or resets the stream), so a client that stops reading cannot hold a
// handler, its file and its connection for ever.
type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	d     time.Duration
	until time.Time // the deadline set, zero if none
}

func newStallWriter(w http.ResponseWriter, d time.Duration) *stallWriter {
	return &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
}

// findStallWriter returns the response's stall writer: w or one it wraps,
// found through Unwrap as http.ResponseController finds a method (the
// Observer's writer, for one, wraps the vhost's). Nil when there is none.
func findStallWriter(w http.ResponseWriter) *stallWriter {
	for {
		switch t := w.(type) {
		case *stallWriter:
			return t
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return nil
		}
	}
}

// arm gives the next write at least d/2, at most d, to complete (no limit
// when d <= 0).
func (w *stallWriter) arm() {
	if w.d <= 0 {
		return
	}
	now := time.Now()
	if w.until.Sub(now) >= w.d/2 {
		return // one set recently is far enough ahead: spare the timer
	}
	if w.rc.SetWriteDeadline(now.Add(w.d)) == nil {
		w.until = now.Add(w.d)
	}
}

// done gives net/http's final flush of the response its own d (a deadline
// cleared here would let that flush wait for ever on a client that stopped
// reading). A keep-alive connection's next response through a Vhost arms
// its own before it writes.
func (w *stallWriter) done() {
	if !w.until.IsZero() {
		w.arm()
	}
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(p)
}

// ReadFrom sends r in pieces of at most stallPiece, each with a fresh
// deadline, keeping the wrapped writer's own ReadFrom (sendfile for a file).
func (w *stallWriter) ReadFrom(r io.Reader) (int64, error) {
	left := int64(-1) // unknown
	if lr, ok := r.(*io.LimitedReader); ok {
		r, left = lr.R, lr.N
		defer func() { lr.N = left }()
	}
	var total int64
	for left != 0 {
		piece := int64(stallPiece)
		if left > 0 {
			piece = min(piece, left)
		}
		w.arm()
		n, err := io.Copy(w.ResponseWriter, io.LimitReader(r, piece))
		total += n
		if left > 0 {
			left -= n
		}
		if err != nil || n < piece {
			return total, err
		}
	}
	return total, nil
}

// FlushError sends what is buffered, within the deadline, and says whether
// it could (http.ResponseController.Flush uses it).
func (w *stallWriter) FlushError() error {
	w.arm()
	return w.rc.Flush()
}

// Flush is FlushError for http.Flusher users.
func (w *stallWriter) Flush() { _ = w.FlushError() }

// Unwrap gives http.ResponseController the wrapped writer.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
