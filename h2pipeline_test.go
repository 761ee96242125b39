package lws_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/client"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
)

// tcpProxy forwards loopback TCP connections to a server, counting them and
// reporting each one the client closes.
type tcpProxy struct {
	ln       net.Listener
	accepted atomic.Int64
	ended    chan struct{} // one send per connection the client closed
	mu       sync.Mutex
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, ended: make(chan struct{}, 64)}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() {
				defer p.wg.Done()
				io.Copy(s, c)
				s.Close()
				p.ended <- struct{}{}
			}()
			go func() {
				defer p.wg.Done()
				io.Copy(c, s)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

// h2PipelineServer starts a golws server with the echo WebSocket protocol
// and h as its HTTP handler, over TLS (HTTP/2 by ALPN unless noH2) or plain
// TCP (h2c with prior knowledge unless noH2), behind a counting proxy.
func h2PipelineServer(t *testing.T, useTLS, noH2 bool, cert testcert.Cert, h http.Handler) *tcpProxy {
	t.Helper()
	pe := &peerEcho{}
	srv := lws.New(lwstest.Quiet())
	vo := lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{pe.protocol()}, HTTP: h}
	if useTLS {
		vo.TLS = &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}
		vo.Listener = &listen.Options{DisableHTTP2: noH2}
	} else {
		vo.Listener = &listen.Options{H2C: !noH2}
	}
	v, err := srv.NewVhost(vo)
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)
	return newTCPProxy(t, v.Addr().String())
}

// pipelineHandler serves /bytes?n= (n bytes), /echo (the request body
// back, once read) and /hold (a first chunk, then the rest once release is
// closed).
func pipelineHandler(release <-chan struct{}) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bodyOf(n))
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body) // all first: HTTP/1.1 ends the body once the answer goes
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Method", r.Method)
		w.Write(b)
	})
	mux.HandleFunc("/hold", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "start,")
		w.(http.Flusher).Flush()
		select {
		case <-release:
			fmt.Fprint(w, "end")
		case <-r.Context().Done():
		}
	})
	return mux
}

// bodyOf is n bytes that are not all alike.
func bodyOf(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 253)
	}
	return b
}

// TestH2PipelineClientServer: with HTTP2 and Pipeline, a vhost's HTTP
// requests and WebSockets to one host share one HTTP/2 connection, over TLS
// (wss and https) and h2c (ws and http). An HTTP request opens it, the
// WebSockets dialled later join it, requests (a 1 MiB response, a POST) and
// WebSocket messages interleave, the server sees one TCP connection, and
// the connection closes when its last stream ends.
func TestH2PipelineClientServer(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	for _, useTLS := range []bool{true, false} {
		t.Run(map[bool]string{true: "wss+https", false: "ws+http-h2c"}[useTLS], func(t *testing.T) {
			release := make(chan struct{})
			proxy := h2PipelineServer(t, useTLS, false, cert, pipelineHandler(release))
			ws, web := "ws", "http"
			if useTLS {
				ws, web = "wss", "https"
			}
			cs := newClientSide(t)
			tlsConfig := &tls.Config{RootCAs: cert.Pool} // one config: the connection may be shared
			connect := func(o client.Options) *client.Client {
				t.Helper()
				o.HTTP2, o.Pipeline, o.TLSConfig = true, true, tlsConfig
				h, err := client.Connect(cs.vh, o)
				if err != nil {
					t.Fatal(err)
				}
				return h
			}
			base := func(scheme string) string { return scheme + "://" + proxy.addr() }

			// An HTTP request opens the connection, and stays on it.
			held := connect(client.Options{URL: base(web) + "/hold"})
			if _, err := wait(t, held); err != nil {
				t.Fatal(err)
			}

			const sockets = 3
			post := bodyOf(300_000)
			reqs := map[*client.Client][]byte{
				connect(client.Options{URL: base(web) + "/bytes?n=1048576"}):                                   bodyOf(1 << 20),
				connect(client.Options{URL: base(web) + "/echo", Method: "POST", Body: bytes.NewReader(post)}): post,
				connect(client.Options{URL: base(web) + "/bytes?n=10"}):                                        bodyOf(10),
				held: []byte("start,end"),
			}
			var wss []*client.Client
			for range sockets {
				wss = append(wss, connect(client.Options{URL: base(ws) + "/", Subprotocols: []string{"echo"}}))
			}
			httpConns := map[*conn.Conn][]byte{}
			for h, want := range reqs {
				c, err := wait(t, h)
				if err != nil {
					t.Fatal(err)
				}
				if r := h.Response(); r.ProtoMajor != 2 || r.StatusCode != http.StatusOK {
					t.Fatalf("%s: %s %d, want HTTP/2 200", h.URL(), r.Proto, r.StatusCode)
				}
				httpConns[c] = want
			}
			wsConns := map[*conn.Conn]bool{}
			for _, h := range wss {
				c, err := wait(t, h)
				if err != nil {
					t.Fatal(err)
				}
				if r := h.Response(); r.ProtoMajor != 2 || r.StatusCode != http.StatusOK {
					t.Fatalf("WebSocket handshake %s %d, want HTTP/2 200", r.Proto, r.StatusCode)
				}
				wsConns[c] = true
			}

			// Each WebSocket sends one message of its own and gets it back,
			// while the response bodies come.
			sent := map[string]bool{}
			for i := range sockets {
				msg := bytes.Repeat([]byte{byte('a' + i)}, 100_000+i)
				sent[string(msg)] = true
				cs.send <- msg
			}
			for c := range wsConns {
				c.RequestWritable()
			}
			close(release)
			bodies := map[*conn.Conn][]byte{}
			echoed := map[*conn.Conn][]byte{}
			for ended, echoes := 0, 0; ended < len(httpConns) || echoes < sockets; {
				e := cs.next(t)
				switch {
				case e.kind == "data" && wsConns[e.c]:
					echoed[e.c] = append(echoed[e.c], e.data...)
					if e.final {
						if !sent[string(echoed[e.c])] {
							t.Fatalf("a WebSocket got back %d bytes it did not send", len(echoed[e.c]))
						}
						delete(sent, string(echoed[e.c]))
						echoes++
					}
				case e.kind == "data":
					bodies[e.c] = append(bodies[e.c], e.data...)
				case e.kind == "closed" && httpConns[e.c] != nil:
					if !errors.Is(e.err, io.EOF) {
						t.Fatalf("a request ended with %v", e.err)
					}
					ended++
				case e.kind == "response" || e.kind == "established":
				default:
					t.Fatalf("unexpected %s event (%v)", e.kind, e.err)
				}
			}
			for c, want := range httpConns {
				if !bytes.Equal(bodies[c], want) {
					t.Fatalf("%s: body of %d bytes, want %d", client.Of(c).URL(), len(bodies[c]), len(want))
				}
			}
			if n := proxy.accepted.Load(); n != 1 {
				t.Fatalf("%d requests and %d WebSockets came on %d TCP connections, want 1", len(reqs), sockets, n)
			}

			// The connection lasts as long as its last stream.
			var last *conn.Conn
			for c := range wsConns {
				if last == nil {
					last = c
					continue
				}
				c.Close(conn.StatusNormal, "")
				cs.expect(t, "closed")
			}
			select {
			case <-proxy.ended:
				t.Fatal("the connection closed with a WebSocket left on it")
			default:
			}
			last.Close(conn.StatusNormal, "")
			cs.expect(t, "closed")
			select {
			case <-proxy.ended:
			case <-time.After(10 * time.Second):
				t.Fatal("the connection stayed open after its last stream ended")
			}
		})
	}
}

// TestH2PipelineFallBack: with HTTP2 and Pipeline, a request to a server
// that does not speak HTTP/2 (no h2 by ALPN; no h2c) goes the usual way,
// body and all.
func TestH2PipelineFallBack(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	for _, useTLS := range []bool{true, false} {
		t.Run(map[bool]string{true: "https", false: "http"}[useTLS], func(t *testing.T) {
			proxy := h2PipelineServer(t, useTLS, true, cert, pipelineHandler(nil))
			scheme := map[bool]string{true: "https", false: "http"}[useTLS]
			cs := newClientSide(t)
			body := bodyOf(100_000)
			h, err := client.Connect(cs.vh, client.Options{URL: scheme + "://" + proxy.addr() + "/echo", Method: "POST",
				Body: io.MultiReader(bytes.NewReader(body)), HTTP2: true, Pipeline: true, TLSConfig: &tls.Config{RootCAs: cert.Pool}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := wait(t, h); err != nil {
				t.Fatal(err)
			}
			if r := h.Response(); r.ProtoMajor != 1 || r.StatusCode != http.StatusOK || r.Header.Get("X-Method") != "POST" {
				t.Fatalf("%s %d %v, want HTTP/1.1 200 to a POST", r.Proto, r.StatusCode, r.Header)
			}
			cs.expect(t, "response")
			cs.expect(t, "established")
			if got := cs.body(t); !bytes.Equal(got, body) {
				t.Fatalf("echo of %d bytes came back as %d", len(body), len(got))
			}
			if n := proxy.accepted.Load(); n != 2 {
				t.Fatalf("%d TCP connections, want 2: the HTTP/2 try and the request", n)
			}
		})
	}
}

// TestH2PipelineRxFlow: while the session has rx off, a response body on
// the shared HTTP/2 connection is not read, its stream's window stays shut
// and the server's writes stall; once rx is on, every byte arrives.
func TestH2PipelineRxFlow(t *testing.T) {
	big := newBigResponse(16 << 20)
	proxy := h2PipelineServer(t, false, false, testcert.Cert{}, big)
	cs := newClientSide(t)
	cs.pause.Store(1) // rx off after the first chunk
	if _, err := client.Connect(cs.vh, client.Options{URL: "http://" + proxy.addr() + "/", HTTP2: true, Pipeline: true}); err != nil {
		t.Fatal(err)
	}
	if p := cs.expect(t, "response").resp.ProtoMajor; p != 2 {
		t.Fatalf("HTTP/%d, want h2c", p)
	}
	cs.expect(t, "established")
	got := len(cs.expect(t, "data").data)
	c := cs.expect(t, "paused").c
	cs.heldBack(t, c, got, big, 2<<20)
}

// TestH2PipelineErrors: a request on the HTTP/2 path fails as it would
// through net/http: ConnectTimeout from a silent server, ConnectRefused
// from a closed port.
func TestH2PipelineErrors(t *testing.T) {
	silent, closed := silentListener(t), closedPort(t)
	cs := newClientSide(t)
	for _, tc := range []struct {
		url  string
		want client.ConnectFailure
		is   error
	}{
		{"http://" + silent + "/", client.ConnectTimeout, context.DeadlineExceeded},
		{"https://" + silent + "/", client.ConnectTimeout, context.DeadlineExceeded},
		{"http://" + closed + "/", client.ConnectRefused, syscall.ECONNREFUSED},
	} {
		h, err := client.Connect(cs.vh, client.Options{URL: tc.url, HTTP2: true, Pipeline: true, Timeout: 200 * time.Millisecond,
			Method: "POST", Body: strings.NewReader("never sent")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = wait(t, h)
		var ce *client.ConnectError
		if !errors.As(err, &ce) || ce.Failure != tc.want || !errors.Is(err, tc.is) {
			t.Fatalf("%s: %v, want %v", tc.url, err, tc.want)
		}
	}
}
