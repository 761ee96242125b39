package raw_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/raw"
)

type rawConn struct {
	nc    net.Conn
	first string
}

// fallbackServer serves HTTP (and a WebSocket echo at /ws) through a
// Fallback on a loopback port; raw connections arrive on the channel. It
// returns the address.
func fallbackServer(t *testing.T, opts *raw.FallbackOptions) (string, <-chan rawConn, *raw.Fallback) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	raws := make(chan rawConn, 16)
	fb := raw.NewFallback(ln, func(nc net.Conn, first []byte) {
		raws <- rawConn{nc, string(first)}
	}, opts)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello over http") })
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(conn.LeanHijacker(w), r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		ws.SetReadLimit(-1)
		for {
			typ, p, err := ws.Read(r.Context())
			if err != nil {
				return
			}
			if err := ws.Write(r.Context(), typ, p); err != nil {
				return
			}
		}
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(fb) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		close(raws)
		for rc := range raws {
			rc.nc.Close()
		}
	})
	return ln.Addr().String(), raws, fb
}

func TestFallbackRoutes(t *testing.T) {
	addr, raws, _ := fallbackServer(t, &raw.FallbackOptions{Timeout: 300 * time.Millisecond})
	tests := []struct {
		name     string
		send     string
		wantRaw  bool
		wantHTTP string // prefix of the HTTP answer
	}{
		{"http request", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false, "HTTP/1.1 200 OK"},
		{"http request in pieces", "HE", false, "HTTP/1.1 200 OK"}, // the rest follows below
		{"tls client hello", "\x16\x03\x01\x00\x05hello\r\n\r\n", false, "HTTP/1.1 400"},
		{"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false, "HTTP/1.1 "},
		{"telnet line", "hello\r\n", true, ""},
		{"lowercase method", "get / HTTP/1.1\r\n", true, ""},
		{"silent client", "", true, ""},
		{"part of a method, then silence", "PO", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(c, tt.send); err != nil {
				t.Fatal(err)
			}
			if tt.send == "HE" {
				// Sniffing waits for the method to complete.
				if _, err := io.WriteString(c, "AD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
					t.Fatal(err)
				}
			}
			if tt.wantRaw {
				var rc rawConn
				select {
				case rc = <-raws:
				case <-time.After(10 * time.Second):
					t.Fatal("no raw connection within 10 s")
				}
				defer rc.nc.Close()
				if rc.first != tt.send {
					t.Fatalf("raw first bytes %q, want %q", rc.first, tt.send)
				}
				// The raw side reads what follows, and can answer.
				io.WriteString(c, "more")
				got := make([]byte, 4)
				rc.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.ReadFull(rc.nc, got); err != nil || string(got) != "more" {
					t.Fatalf("raw read %q, %v", got, err)
				}
				return
			}
			line, err := bufio.NewReader(c).ReadString('\n')
			if !strings.HasPrefix(line, tt.wantHTTP) {
				t.Fatalf("HTTP answered %q (%v), want %q", line, err, tt.wantHTTP)
			}
			select {
			case rc := <-raws:
				rc.nc.Close()
				t.Fatalf("also handed to raw with %q", rc.first)
			default:
			}
		})
	}
}

// TestFallbackWebSocket checks that a WebSocket works through the sniffer,
// with a hijacked connection that reads through the socket's descriptor.
func TestFallbackWebSocket(t *testing.T) {
	addr, _, _ := fallbackServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(-1)
	for _, msg := range []string{"one", strings.Repeat("x", 100_000), "three"} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := ws.Read(ctx)
		if err != nil || string(got) != msg {
			t.Fatalf("echo of %d bytes: %d bytes, %v", len(msg), len(got), err)
		}
	}
	ws.Close(websocket.StatusNormalClosure, "")
}

// TestFallbackCloseEndsSniffing closes the Fallback while a client that
// sends nothing is being sniffed: Close returns at once and the client sees
// the end.
func TestFallbackCloseEndsSniffing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fb := raw.NewFallback(ln, func(nc net.Conn, _ []byte) {
		nc.Close()
		t.Error("a silent client reached raw before the 1 min timeout")
	}, &raw.FallbackOptions{Timeout: time.Minute})
	accepted := make(chan error, 1)
	go func() {
		_, err := fb.Accept()
		accepted <- err
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if err := fb.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("client read after Close: %v", err)
	}
	if err := fb.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
}

// TestFallbackMaxSniffing: with one sniffing slot, a silent client delays
// the next connection until its timeout hands it to raw.
func TestFallbackMaxSniffing(t *testing.T) {
	addr, raws, _ := fallbackServer(t, &raw.FallbackOptions{Timeout: 300 * time.Millisecond, MaxSniffing: 1})
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hello over http" {
		t.Fatalf("body %q", body)
	}
	select {
	case rc := <-raws:
		rc.nc.Close()
	case <-time.After(10 * time.Second):
		t.Fatal("the silent client never reached raw")
	}
}
