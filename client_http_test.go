package lws_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
)

// httpServer serves h on a counting loopback listener (TLS with HTTP/2 when
// tlsH2 is set).
func httpServer(t *testing.T, h http.Handler, tlsH2 bool) (*httptest.Server, *countingListener) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	cl := &countingListener{Listener: srv.Listener}
	srv.Listener = cl
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tlsH2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, cl
}

// trust returns a TLS config trusting srv's certificate.
func trust(srv *httptest.Server) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return &tls.Config{RootCAs: pool}
}

func TestHTTPClientRequests(t *testing.T) {
	srv, _ := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Echo", r.Header.Get("X-Echo"))
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		if r.Method == http.MethodPost {
			io.Copy(w, r.Body)
			return
		}
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length: chunked
		}
		w.Write(bytes.Repeat([]byte("x"), n))
	}), false)
	cs := newClientSide(t)
	tests := []struct {
		name   string
		o      client.Options
		status int
		body   string
	}{
		{"empty body", client.Options{URL: srv.URL + "/?n=0"}, 200, ""},
		{"one byte", client.Options{URL: srv.URL + "/?n=1"}, 200, "x"},
		{"rx buffer size", client.Options{URL: srv.URL + "/?n=1000", RxBufferSize: 1000}, 200, strings.Repeat("x", 1000)},
		{"many chunks", client.Options{URL: srv.URL + "/?n=100000", RxBufferSize: 1000}, 200, strings.Repeat("x", 100000)},
		{"chunked encoding", client.Options{URL: srv.URL + "/?chunked&n=5000"}, 200, strings.Repeat("x", 5000)},
		{"404 is a response", client.Options{URL: srv.URL + "/missing"}, 404, "404 page not found\n"},
		{"POST with body and headers", client.Options{
			URL: srv.URL + "/", Method: http.MethodPost, Body: strings.NewReader("posted"),
			Header: http.Header{"X-Echo": {"hello"}},
		}, 200, "posted"},
		{"PUT streaming body", client.Options{
			URL: srv.URL + "/", Method: http.MethodPost, Body: io.MultiReader(strings.NewReader("a"), strings.NewReader("b")),
		}, 200, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := client.Connect(cs.vh, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			e := cs.expect(t, "response")
			if e.resp.StatusCode != tt.status || client.Of(e.c) != h {
				t.Fatalf("status %d, want %d", e.resp.StatusCode, tt.status)
			}
			method := tt.o.Method
			if method == "" {
				method = http.MethodGet
			}
			if got := e.resp.Header.Get("X-Method"); got != method {
				t.Fatalf("server saw method %q", got)
			}
			if tt.o.Header != nil && e.resp.Header.Get("X-Echo") != tt.o.Header.Get("X-Echo") {
				t.Fatalf("header not sent: %q", e.resp.Header.Get("X-Echo"))
			}
			cs.expect(t, "established")
			max := tt.o.RxBufferSize
			if max == 0 {
				max = conn.DefaultRxBufferSize
			}
			var body []byte
			for first := true; ; first = false {
				d := cs.expect(t, "data")
				if d.first != first || len(d.data) > max {
					t.Fatalf("chunk of %d bytes, first=%v, after %d bytes", len(d.data), d.first, len(body))
				}
				body = append(body, d.data...)
				if d.final {
					break
				}
			}
			if string(body) != tt.body {
				t.Fatalf("body %d bytes %.20q, want %d bytes", len(body), body, len(tt.body))
			}
			if e := cs.expect(t, "closed"); !errors.Is(e.err, io.EOF) {
				t.Fatalf("closed with %v after the whole body, want io.EOF", e.err)
			}
		})
	}
}

// TestHTTPClientRxFlow: while the session has rx off the body is not read,
// so the server's writes block (TCP for HTTP/1.1, the stream's window for
// HTTP/2); once rx is on, every byte arrives.
func TestHTTPClientRxFlow(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "http/1.1", true: "h2"}[h2], func(t *testing.T) { testRxFlow(t, h2) })
	}
}

func testRxFlow(t *testing.T, h2 bool) {
	big := newBigResponse(32 << 20)
	srv, _ := httpServer(t, big, h2)
	cs := newClientSide(t)
	cs.pause.Store(1) // rx off after the first chunk
	o := client.Options{URL: srv.URL}
	if h2 {
		o.TLSConfig = trust(srv)
	}
	if _, err := client.Connect(cs.vh, o); err != nil {
		t.Fatal(err)
	}
	if p := cs.expect(t, "response").resp.ProtoMajor; p != map[bool]int{false: 1, true: 2}[h2] {
		t.Fatalf("HTTP/%d", p)
	}
	cs.expect(t, "established")
	got := len(cs.expect(t, "data").data)
	c := cs.expect(t, "paused").c
	cs.heldBack(t, c, got, big, big.total/2)
}

// collect waits for n HTTP client connections to end and returns their
// bodies, by connection.
func collect(t *testing.T, cs *clientSide, n int) map[*conn.Conn]string {
	t.Helper()
	bodies := map[*conn.Conn]string{}
	for ended := 0; ended < n; {
		e := cs.next(t)
		switch e.kind {
		case "data":
			bodies[e.c] += string(e.data)
		case "closed":
			if !errors.Is(e.err, io.EOF) {
				t.Fatalf("a request ended with %v", e.err)
			}
			ended++
		}
	}
	return bodies
}

// TestHTTPClientKeepAlive: requests to one host share a TCP connection:
// sequential ones always, concurrent ones when pipelined; a server without
// keep-alive gives each its own.
func TestHTTPClientKeepAlive(t *testing.T) {
	const n = 5
	handler := func(close bool) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if close {
				w.Header().Set("Connection", "close")
			}
			fmt.Fprint(w, r.URL.Path)
		})
	}
	tests := []struct {
		name       string
		close      bool
		concurrent bool
		pipeline   bool
		want       int64
	}{
		{"sequential", false, false, false, 1},
		{"sequential pipelined", false, false, true, 1},
		{"concurrent pipelined", false, true, true, 1},
		{"no keep-alive: each its own", true, true, true, n},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, counted := httpServer(t, handler(tt.close), false)
			cs := newClientSide(t)
			connect := func(i int) {
				if _, err := client.Connect(cs.vh, client.Options{URL: fmt.Sprintf("%s/%d", srv.URL, i), Pipeline: tt.pipeline}); err != nil {
					t.Fatal(err)
				}
			}
			bodies := map[*conn.Conn]string{}
			if tt.concurrent {
				for i := range n {
					connect(i)
				}
				bodies = collect(t, cs, n)
			} else {
				for i := range n {
					connect(i)
					for c, b := range collect(t, cs, 1) {
						bodies[c] = b
					}
				}
			}
			if len(bodies) != n {
				t.Fatalf("%d bodies: %v", len(bodies), bodies)
			}
			if got := counted.n.Load(); got != tt.want {
				t.Fatalf("%d requests used %d TCP connections, want %d", n, got, tt.want)
			}
		})
	}
}

// TestHTTPClientH2Multiplex: pipelined requests to an HTTP/2 server all run
// at once as streams of one TCP connection. The handler holds every
// response's body until all n requests are in, so they must be concurrent.
func TestHTTPClientH2Multiplex(t *testing.T) {
	const n = 8
	arrived := make(chan struct{}, n)
	all := make(chan struct{})
	var count atomic.Int64
	srv, counted := httpServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush() // headers first: the first response tells the client it is h2
		arrived <- struct{}{}
		if count.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-r.Context().Done():
			return
		}
		fmt.Fprintf(w, "%s %s", r.Proto, r.URL.Path)
	}), true)
	cs := newClientSide(t)
	cfg := trust(srv)
	for i := range n {
		if _, err := client.Connect(cs.vh, client.Options{URL: fmt.Sprintf("%s/%d", srv.URL, i), TLSConfig: cfg, Pipeline: true}); err != nil {
			t.Fatal(err)
		}
	}
	bodies := collect(t, cs, n)
	seen := map[string]bool{}
	for _, b := range bodies {
		if !strings.HasPrefix(b, "HTTP/2.0 /") {
			t.Fatalf("body %q", b)
		}
		seen[b] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct answers: %v", len(seen), seen)
	}
	if got := counted.n.Load(); got != 1 {
		t.Fatalf("%d concurrent h2 requests used %d TCP connections, want 1", n, got)
	}
}

// refuser refuses every response.
type refuser struct {
	recorder
}

func (r *refuser) Response(c *conn.Conn, resp *http.Response) error {
	return fmt.Errorf("status %d not wanted", resp.StatusCode)
}

// TestResponseRefused: an error from Response closes the connection before
// any other callback but Closed.
func TestResponseRefused(t *testing.T) {
	srv, _ := httpServer(t, http.NotFoundHandler(), false)
	ev := make(chan event, 16)
	p := &lws.Protocol{
		Name:       "refuser",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return &refuser{recorder{ev: ev}} },
	}
	c := lws.New(lwstest.Quiet())
	vh, err := c.NewVhost(lws.VhostOptions{Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	if _, err := client.Connect(vh, client.Options{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ev:
		if e.kind != "closed" || e.err == nil || !strings.Contains(e.err.Error(), "status 404 not wanted") {
			t.Fatalf("first callback after the refusal: %s %v", e.kind, e.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Closed callback")
	}
}
