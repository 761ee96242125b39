package mux

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// failFlusher is a response writer whose flush fails.
type failFlusher struct {
	*httptest.ResponseRecorder
	err     error
	flushes int
}

func (w *failFlusher) FlushError() error {
	w.flushes++
	return w.err
}

// TestObserverWriterFlushError shows a flush that fails below the
// Observer's (and the access log's) writer fails through it too, for
// http.ResponseController, and that http.Flusher still reaches the
// writer below.
func TestObserverWriterFlushError(t *testing.T) {
	errFlush := errors.New("flush failed")
	for _, tc := range []struct {
		name string
		wrap func(http.ResponseWriter) http.ResponseWriter
	}{
		{"observer", func(w http.ResponseWriter) http.ResponseWriter {
			return &statusWriter{ResponseWriter: w, rc: http.NewResponseController(w)}
		}},
		{"accesslog", func(w http.ResponseWriter) http.ResponseWriter {
			return &countWriter{statusWriter: statusWriter{ResponseWriter: w, rc: http.NewResponseController(w)}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			below := &failFlusher{ResponseRecorder: httptest.NewRecorder(), err: errFlush}
			w := tc.wrap(newStallWriter(below, 0))
			if err := http.NewResponseController(w).Flush(); !errors.Is(err, errFlush) {
				t.Errorf("ResponseController.Flush: %v, want %v", err, errFlush)
			}
			w.(http.Flusher).Flush()
			if below.flushes != 2 {
				t.Errorf("%d flushes reached the writer below, want 2", below.flushes)
			}
			below.err = nil
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("ResponseController.Flush: %v, want nil", err)
			}
		})
	}
}

// TestObserverServedFlushError shows a handler served through a vhost with
// an Observer sees a flush error of the connection.
func TestObserverServedFlushError(t *testing.T) {
	errFlush := errors.New("flush failed")
	var got error
	v := &Vhost{
		Name:     "flush",
		Observer: &stallObserver{},
		HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = http.NewResponseController(w).Flush()
		}),
	}
	below := &failFlusher{ResponseRecorder: httptest.NewRecorder(), err: errFlush}
	v.ServeHTTP(below, httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, errFlush) {
		t.Errorf("the handler's flush: %v, want %v", got, errFlush)
	}
}
