package conn_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testwait"
)

// startH2Mixed starts an h2Server that answers plain HTTP requests with h
// and WebSockets over HTTP/2 with an echo.
func startH2Mixed(t *testing.T, useTLS bool, h http.Handler) *h2Server {
	t.Helper()
	return startH2(t, useTLS, newEcho, conn.Options{}, nil, h)
}

// request makes a request for s's URL with path, bounded by the test.
func request(t *testing.T, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// readAll reads and closes resp's body.
func readAll(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return b
}

// testHandler serves the requests of the tests: /bytes?n= writes n bytes,
// /echo copies the request body back, /empty answers 204, /early sends
// 103 Early Hints first, /headers reports the request's headers.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bodyBytes(n))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Length", strconv.FormatInt(r.ContentLength, 10))
		io.Copy(w, r.Body)
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		fmt.Fprint(w, "after hints")
	})
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s %s x=%s", r.Proto, r.Method, r.Host, r.URL.RequestURI(), r.Header.Get("X-Test"))
	})
	return mux
}

// bodyBytes is n bytes that are not all alike.
func bodyBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// TestH2RoundTrip sends plain HTTP requests as streams of an H2Conn that
// also carries WebSockets, over TLS and h2c, all at once: every answer
// arrives, and the server saw one TCP connection.
func TestH2RoundTrip(t *testing.T) {
	for _, useTLS := range []bool{true, false} {
		t.Run(map[bool]string{true: "tls", false: "h2c"}[useTLS], func(t *testing.T) {
			s := startH2Mixed(t, useTLS, testHandler())
			hc := s.dial(t)
			ctx := testCtx(t)
			ws, _, err := conn.DialWebSocketH2(ctx, s.wsURL(), hc, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := newMsgClient()
			c, err := conn.Start(ws, nil, func(*conn.Conn) conn.Session { return m }, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				c.Close(conn.StatusNormal, "")
				<-c.Done()
			}()

			post := bodyBytes(3 << 20) // far past the server's initial windows
			type result struct {
				name string
				err  error
			}
			checks := map[string]func() error{
				"1 MiB": func() error {
					resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/bytes?n=1048576", nil))
					if err != nil {
						return err
					}
					if b := readAll(t, resp); !bytes.Equal(b, bodyBytes(1<<20)) || resp.ContentLength != 1<<20 || resp.ProtoMajor != 2 {
						return fmt.Errorf("%s, %d bytes, Content-Length %d", resp.Proto, len(b), resp.ContentLength)
					}
					return nil
				},
				"POST": func() error {
					resp, err := hc.RoundTrip(request(t, "POST", s.URL+"/echo", bytes.NewReader(post)))
					if err != nil {
						return err
					}
					b := readAll(t, resp)
					if !bytes.Equal(b, post) || resp.Header.Get("X-Method") != "POST" || resp.Header.Get("X-Length") != strconv.Itoa(len(post)) {
						return fmt.Errorf("echo of %d bytes: %d bytes, %v", len(post), len(b), resp.Header)
					}
					return nil
				},
				"POST streamed": func() error {
					resp, err := hc.RoundTrip(request(t, "POST", s.URL+"/echo", io.MultiReader(strings.NewReader("a"), strings.NewReader("b"))))
					if err != nil {
						return err
					}
					if b := readAll(t, resp); string(b) != "ab" || resp.Header.Get("X-Length") != "-1" {
						return fmt.Errorf("streamed echo %q, %v", b, resp.Header)
					}
					return nil
				},
				"POST empty": func() error {
					resp, err := hc.RoundTrip(request(t, "POST", s.URL+"/echo", nil))
					if err != nil {
						return err
					}
					if b := readAll(t, resp); len(b) != 0 || resp.Header.Get("X-Length") != "0" {
						return fmt.Errorf("empty echo %q, %v", b, resp.Header)
					}
					return nil
				},
				"204": func() error {
					resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/empty", nil))
					if err != nil {
						return err
					}
					if b := readAll(t, resp); resp.StatusCode != http.StatusNoContent || len(b) != 0 || resp.Body != http.NoBody {
						return fmt.Errorf("%d with %d bytes", resp.StatusCode, len(b))
					}
					return nil
				},
				"103": func() error {
					resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/early", nil))
					if err != nil {
						return err
					}
					if b := readAll(t, resp); resp.StatusCode != http.StatusOK || string(b) != "after hints" {
						return fmt.Errorf("%d %q", resp.StatusCode, b)
					}
					return nil
				},
				"headers": func() error {
					req := request(t, "GET", s.URL+"/headers?q=1", nil)
					req.Header.Set("X-Test", "yes")
					req.Header.Set("Connection", "keep-alive") // not for HTTP/2: dropped
					resp, err := hc.RoundTrip(req)
					if err != nil {
						return err
					}
					want := fmt.Sprintf("HTTP/2.0 GET %s /headers?q=1 x=yes", req.URL.Host)
					if b := readAll(t, resp); string(b) != want {
						return fmt.Errorf("server saw %q, want %q", b, want)
					}
					return nil
				},
			}
			results := make(chan result, len(checks))
			for name, f := range checks {
				go func() { results <- result{name, f()} }()
			}
			msg := bodyBytes(200_000)
			m.send(c, msg)
			if got := m.recv(t, ctx); !bytes.Equal(got, msg) {
				t.Fatalf("WebSocket echo of %d bytes came back as %d", len(msg), len(got))
			}
			for range checks {
				r := <-results
				if r.err != nil {
					t.Errorf("%s: %v", r.name, r.err)
				}
			}
			if n := s.conns.Load(); n != 1 {
				t.Fatalf("%d TCP connections, want 1", n)
			}
			if n := hc.Streams(); n != 1 {
				t.Fatalf("%d streams open after the requests, want the WebSocket's", n)
			}
		})
	}
}

// TestH2RoundTripGzip: a request without Accept-Encoding asks for gzip and
// gets the body decompressed, as from net/http.
func TestH2RoundTripGzip(t *testing.T) {
	s := startH2Mixed(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			fmt.Fprint(w, "plain")
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		fmt.Fprint(zw, "gzipped")
		zw.Close()
	}))
	hc := s.dial(t)
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/", nil))
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); string(b) != "gzipped" || !resp.Uncompressed {
		t.Fatalf("body %q, uncompressed %v", b, resp.Uncompressed)
	}
	req := request(t, "GET", s.URL+"/", nil)
	req.Header.Set("Accept-Encoding", "identity")
	if resp, err = hc.RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, resp); string(b) != "plain" {
		t.Fatalf("body %q with the caller's Accept-Encoding", b)
	}
}

// TestH2RoundTripReset: a stream the server resets fails the request.
func TestH2RoundTripReset(t *testing.T) {
	s := startH2Mixed(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/midway" {
			w.Write(bodyBytes(1000))
			w.(http.Flusher).Flush()
		}
		panic(http.ErrAbortHandler) // RST_STREAM
	}))
	hc := s.dial(t)
	if _, err := hc.RoundTrip(request(t, "GET", s.URL+"/", nil)); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("request to a resetting handler: %v", err)
	}
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/midway", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("body reset midway read %d bytes, %v", len(b), err)
	}
	if n := hc.Streams(); n != 0 {
		t.Fatalf("%d streams left", n)
	}
}

// TestH2RoundTripCancel: the end of the request's context resets the
// stream, before the response and during its body; the server sees it.
func TestH2RoundTripCancel(t *testing.T) {
	gone := make(chan struct{}, 2)
	s := startH2Mixed(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Write([]byte("start"))
			w.(http.Flusher).Flush()
		}
		<-r.Context().Done()
		gone <- struct{}{}
	}))
	hc := s.dial(t)
	ctx, cancel := context.WithCancelCause(testCtx(t))
	cause := errors.New("given up")
	req := request(t, "GET", s.URL+"/", nil).WithContext(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := hc.RoundTrip(req)
		done <- err
	}()
	cancel(cause)
	if err := <-done; !errors.Is(err, cause) {
		t.Fatalf("RoundTrip returned %v, want the context's cause", err)
	}
	ctx, cancel = context.WithCancelCause(testCtx(t))
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/body", nil).WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, b); err != nil || string(b) != "start" {
		t.Fatalf("read %q, %v", b, err)
	}
	cancel(cause)
	if _, err := resp.Body.Read(b); !errors.Is(err, cause) {
		t.Fatalf("read after the context ended: %v", err)
	}
	<-gone // the handler saw the reset (the first one may not have started)
	if n := hc.Streams(); n != 0 {
		t.Fatalf("%d streams left", n)
	}
}

// TestH2RoundTripFlowControl: a response body that is not read holds the
// server back at the stream's window; read, it all arrives.
func TestH2RoundTripFlowControl(t *testing.T) {
	const total = 16 << 20
	var written atomic.Int64
	s := startH2Mixed(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 32<<10)
		for written.Load() < total {
			n, err := w.Write(buf)
			written.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	hc := s.dial(t)
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	stall := testwait.Stall(t, "server's written bytes", written.Load, 300*time.Millisecond, 8*time.Second)
	t.Logf("body not read: the server stalled after %d bytes", stall)
	if stall >= 2<<20 {
		t.Fatalf("the server wrote %d bytes that nobody read", stall)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != total {
		t.Fatalf("read %d of %d bytes: %v", n, total, err)
	}
}

// TestH2RoundTripWindowBack: bodies closed unread give their bytes back to
// the connection's window, so the connection goes on carrying data: rounds
// of streams that each fill their window and are closed unread hold, all
// told, far more than the connection's 16 MiB window.
func TestH2RoundTripWindowBack(t *testing.T) {
	const (
		rounds  = 3
		streams = 48        // 48 × 256 KiB: 12 MiB a round
		each    = 256 << 10 // a stream's whole window
	)
	wrote := make(chan struct{}, streams)
	s := startH2Mixed(t, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hold" {
			return
		}
		w.Write(bodyBytes(each))
		w.(http.Flusher).Flush()
		wrote <- struct{}{}
		<-r.Context().Done()
	}))
	hc := s.dial(t)
	ctx := testCtx(t)
	for round := range rounds {
		var resps []*http.Response
		for range streams {
			resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/hold", nil))
			if err != nil {
				t.Fatal(err)
			}
			resps = append(resps, resp)
		}
		for i := range streams {
			select {
			case <-wrote:
			case <-ctx.Done():
				t.Fatalf("round %d: the server could send only %d of %d bodies", round, i, streams)
			}
		}
		// The server wrote the held bodies before it answers this: once it
		// is in, the client holds them all unread.
		resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/sync", nil))
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, resp)
		for _, r := range resps {
			r.Body.Close()
		}
	}
}

// TestH2RoundTripIdleClose: a connection asked to close when idle closes
// once its last response has been read, and takes no request after.
func TestH2RoundTripIdleClose(t *testing.T) {
	s := startH2Mixed(t, true, testHandler())
	hc := s.dial(t)
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/bytes?n=100000", nil))
	if err != nil {
		t.Fatal(err)
	}
	hc.CloseWhenIdle()
	select {
	case <-hc.Done():
		t.Fatal("closed with a response body unread")
	default:
	}
	readAll(t, resp)
	select {
	case <-hc.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("not closed once idle")
	}
	if _, err := hc.RoundTrip(request(t, "GET", s.URL+"/empty", nil)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("request on the closed connection: %v", err)
	}
}

// TestH2RoundTripNoHTTP2: h2c with prior knowledge to an HTTP/1.1 server
// fails with ErrNoHTTP2, before anything is sent as a request.
func TestH2RoundTripNoHTTP2(t *testing.T) {
	var requests atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "PRI" { // the HTTP/2 preface, which net/http passes on
			requests.Add(1)
		}
	}))
	defer s.Close()
	nc, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	hc, err := conn.NewH2Conn(nc)
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req := request(t, "POST", s.URL+"/", nil)
	req.Body = body
	if _, err := hc.RoundTrip(req); !errors.Is(err, conn.ErrNoHTTP2) {
		t.Fatalf("h2c to an HTTP/1.1 server: %v", err)
	}
	if !body.closed.Load() {
		t.Fatal("the request body was not closed")
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the server handled %d requests", n)
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error {
	c.closed.Store(true)
	return nil
}

// TestH2RoundTripGoAway: after the server's GOAWAY (a graceful shutdown)
// the connection takes no new request, but a response under way arrives
// whole.
func TestH2RoundTripGoAway(t *testing.T) {
	release := make(chan struct{})
	s := startH2Mixed(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "start,")
		w.(http.Flusher).Flush()
		<-release
		fmt.Fprint(w, "end")
	}))
	hc := s.dial(t)
	resp, err := hc.RoundTrip(request(t, "GET", s.URL+"/", nil))
	if err != nil {
		t.Fatal(err)
	}
	shut := make(chan error, 1)
	go func() { shut <- s.Config.Shutdown(testCtx(t)) }()
	testwait.For(t, "GOAWAY", func() bool { return hc.Err() != nil })
	if _, err := hc.RoundTrip(request(t, "GET", s.URL+"/", nil)); err == nil || !strings.Contains(err.Error(), "going away") {
		t.Fatalf("request after GOAWAY: %v", err)
	}
	close(release)
	if b := readAll(t, resp); string(b) != "start,end" {
		t.Fatalf("body %q across GOAWAY", b)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}
