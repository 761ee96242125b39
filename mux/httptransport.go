package mux

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golws/lws/conn"
)

// httpTransport is the conn.Transport of a request bound to a callback
// mount: it reads the request body and writes the response. The engine
// calls ReadChunk from its reader goroutine, Write, WriteHeader and Close
// from its service goroutine (so a client that does not read never holds
// up the reading of the body or a callback), and Abort from anywhere; the
// handler goroutine calls finish after the connection is done.
type httpTransport struct {
	w  http.ResponseWriter
	r  *http.Request
	rc *http.ResponseController

	// Owned by the reader goroutine.
	got   int64 // body bytes read
	first bool  // the next chunk is the first
	eof   bool  // the whole body has been delivered

	bodyDone atomic.Bool // eof, for the writer: may the connection be kept?

	// Owned by the engine's service goroutine; read by the handler
	// goroutine after the connection is done.
	wroteHeader bool
	cut         bool // the response is incomplete: abort it

	readMu sync.Mutex // held during a body read; finish waits for it

	mu       sync.Mutex // guards the fields below
	aborted  bool
	abortCh  chan struct{} // closed by Abort
	reading  bool          // a body read is in flight
	writing  bool          // a response write is in flight
	returned bool          // ServeHTTP is returning: w and r are off limits
}

var _ conn.HeaderTransport = (*httpTransport)(nil)

func newHTTPTransport(w http.ResponseWriter, r *http.Request) *httpTransport {
	t := &httpTransport{w: w, r: r, rc: http.NewResponseController(w), first: true, abortCh: make(chan struct{})}
	// HTTP/1 lets a handler read the body after it started the response
	// only in full duplex (HTTP/2 always does).
	_ = t.rc.EnableFullDuplex()
	return t
}

// ReadChunk reads the next piece of the request body. Once the body is
// complete it waits for the connection to end, since the end of the body
// is not the end of the exchange.
func (t *httpTransport) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	if t.eof {
		select {
		case <-t.abortCh:
			return conn.Chunk{}, net.ErrClosed
		case <-t.r.Context().Done():
			return conn.Chunk{}, fmt.Errorf("mux: client went away: %w", context.Cause(t.r.Context()))
		}
	}
	if t.r.ContentLength == 0 || t.r.Body == nil || t.r.Body == http.NoBody {
		return t.chunk(nil, true), nil
	}
	t.readMu.Lock()
	defer t.readMu.Unlock()
	if !t.begin(&t.reading) {
		return conn.Chunk{}, net.ErrClosed
	}
	defer t.end(&t.reading)
	b := buf()
	for {
		n, err := t.r.Body.Read(b)
		t.got += int64(n)
		final := err == io.EOF || (t.r.ContentLength > 0 && t.got >= t.r.ContentLength)
		switch {
		case err != nil && err != io.EOF:
			return conn.Chunk{}, fmt.Errorf("mux: reading request body: %w", err)
		case n > 0 || final:
			return t.chunk(b[:n], final), nil
		}
	}
}

func (t *httpTransport) chunk(p []byte, final bool) conn.Chunk {
	c := conn.Chunk{Type: conn.Binary, Data: p, First: t.first, Final: final}
	t.first = false
	t.eof = final
	if final {
		t.bodyDone.Store(true)
	}
	return c
}

// WriteHeader sends the status line and headers as one write.
func (t *httpTransport) WriteHeader(status int, h http.Header) error {
	if t.wroteHeader {
		return ErrHeaderSent
	}
	if status < 100 || status > 999 || status == http.StatusSwitchingProtocols {
		return fmt.Errorf("mux: bad response status %d", status)
	}
	if !t.begin(&t.writing) {
		return net.ErrClosed
	}
	defer t.end(&t.writing)
	out := t.w.Header()
	for k, vv := range h {
		out[k] = append([]string(nil), vv...)
	}
	if t.r.ProtoMajor == 1 && !t.bodyDone.Load() && t.r.ContentLength != 0 {
		// An answer before the whole body was read: the rest of the body
		// is still on its way, so the connection cannot carry another
		// request (the engine cuts the pending read when the answer ends).
		out.Set("Connection", "close")
	}
	t.w.WriteHeader(status)
	if status >= 200 {
		t.wroteHeader = true
	}
	return t.rc.Flush()
}

// Write sends p as the next piece of the response body and flushes it: it
// returns once the client's connection has taken it.
func (t *httpTransport) Write(_ conn.MessageType, p []byte, _ bool) error {
	if !t.begin(&t.writing) {
		return net.ErrClosed
	}
	defer t.end(&t.writing)
	t.wroteHeader = true // an implicit 200 if the session sent none
	if _, err := t.w.Write(p); err != nil {
		return err
	}
	return t.rc.Flush()
}

// Close ends the response: a normal close leaves it complete; any other
// answers 500 (503 for going away) if nothing was sent yet, else marks the
// response to be cut off.
func (t *httpTransport) Close(code conn.StatusCode, _ string) error {
	if code == conn.StatusNormal {
		return nil
	}
	if t.wroteHeader {
		t.cut = true
		return nil
	}
	if !t.begin(&t.writing) {
		t.cut = true
		return net.ErrClosed
	}
	defer t.end(&t.writing)
	status := http.StatusInternalServerError
	if code == conn.StatusGoingAway {
		status = http.StatusServiceUnavailable
	}
	t.wroteHeader = true
	http.Error(t.w, http.StatusText(status), status)
	return nil
}

// Abort unblocks a body read or a response write in flight and makes later
// ones fail. A request that completed normally is left alone, so its
// HTTP/1 connection stays reusable.
func (t *httpTransport) Abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted {
		return
	}
	t.aborted = true
	close(t.abortCh)
	if t.returned {
		return
	}
	now := time.Now()
	if t.reading {
		_ = t.rc.SetReadDeadline(now)
	}
	if t.writing {
		_ = t.rc.SetWriteDeadline(now)
	}
}

// begin marks a read or write in flight, unless the transport is aborted.
func (t *httpTransport) begin(flag *bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.aborted {
		return false
	}
	*flag = true
	return true
}

func (t *httpTransport) end(flag *bool) {
	t.mu.Lock()
	*flag = false
	t.mu.Unlock()
}

// finish runs in the handler goroutine once the connection is done (Abort
// has run): it waits for a body read to return, then puts w and r off
// limits. It reports whether the response must be cut off.
func (t *httpTransport) finish() (cut bool) {
	t.readMu.Lock()
	t.mu.Lock()
	t.returned = true
	t.mu.Unlock()
	t.readMu.Unlock()
	return t.cut
}
