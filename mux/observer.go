package mux

import (
	"io"
	"net/http"
	"time"
)

// Observer receives a vhost's HTTP and upgrade events, for instrumentation
// such as metrics (package github.com/golws/lws/metrics). Set it in
// Vhost.Observer; with none, requests are served without any wrapping. Its
// methods are called synchronously from the request's goroutine and must
// not block.
type Observer interface {
	// HTTPDone is called when a request that is not a WebSocket upgrade
	// has been served, with the vhost's name, the Path of the mount that
	// served it ("" when none did: Vhost.HTTP or a 404), the response
	// status (200 when the handler wrote none) and how long the handler
	// took.
	HTTPDone(vhost, mount string, status int, d time.Duration)
	// UpgradeFailed is called when a WebSocket upgrade is refused or
	// fails, with the vhost's name, the protocol chosen ("" when none
	// was), why (one of the Upgrade* reasons) and the error.
	UpgradeFailed(vhost, protocol, reason string, err error)
}

// Reasons given to Observer.UpgradeFailed.
const (
	// UpgradeNoProtocol: the request names no protocol of the vhost (400).
	UpgradeNoProtocol = "protocol"
	// UpgradeRefused: BeforeAccept refused the upgrade (403).
	UpgradeRefused = "refused"
	// UpgradeHandshake: the handshake failed (a bad request, a refused
	// origin); the WebSocket library answered it.
	UpgradeHandshake = "handshake"
	// UpgradeStart: the connection could not start (shutdown, a panic in
	// the session factory).
	UpgradeStart = "start"
)

// serveObserved serves r through serve, telling o the status and time.
func serveObserved(o Observer, vhost, mount string, w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request)) {
	sw := &statusWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
	start := time.Now()
	defer func() {
		o.HTTPDone(vhost, mount, sw.result(), time.Since(start))
	}()
	serve(sw, r)
}

// statusWriter records the status of the response written through it.
type statusWriter struct {
	http.ResponseWriter
	rc     *http.ResponseController // of the wrapped writer
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.implicit()
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the wrapped writer's own ReadFrom (sendfile for a file).
func (w *statusWriter) ReadFrom(r io.Reader) (int64, error) {
	w.implicit()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(w.ResponseWriter, r)
}

// FlushError sends what is buffered and says whether it could
// (http.ResponseController.Flush uses it, so a failed or stalled write
// shows through the observer's writer).
func (w *statusWriter) FlushError() error {
	w.implicit()
	return w.rc.Flush()
}

// Flush is FlushError for http.Flusher users.
func (w *statusWriter) Flush() { _ = w.FlushError() }

// Unwrap gives http.ResponseController the wrapped writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// implicit records the 200 that a write without WriteHeader sends.
func (w *statusWriter) implicit() {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
}

// result is the status sent: 200 when nothing was written.
func (w *statusWriter) result() int {
	if !w.wrote {
		return http.StatusOK
	}
	return w.status
}
