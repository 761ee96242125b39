package integration

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The hostile-client suite: malformed handshakes, frame violations, invalid
// UTF-8, path traversal, request smuggling shapes and connection churn
// against the real test server (examples/test-server), each checked for the
// server's answer and for an ordinary client still being served after it.
// The engine-level frame checks are in conn/autobahn_test.go and
// conn/closing_test.go; these make sure the assembled server keeps them.

func TestHostile(t *testing.T) {
	t.Parallel()
	s := startWithPID(t, "test-server")
	s.stillServes(t)

	t.Run("Handshake", func(t *testing.T) { hostileHandshakes(t, s) })
	t.Run("Frames", func(t *testing.T) { hostileFrames(t, s) })
	t.Run("UTF8", func(t *testing.T) { hostileUTF8(t, s) })
	t.Run("Traversal", func(t *testing.T) { hostileTraversal(t, s) })
	t.Run("Smuggling", func(t *testing.T) { hostileSmuggling(t, s) })
	t.Run("Churn", func(t *testing.T) { hostileChurn(t, s) })
}

// wsRequest is a WebSocket opening request to / with extra header lines.
func wsRequest(method, proto string, lines ...string) string {
	return method + " / " + proto + "\r\nHost: 127.0.0.1\r\n" + strings.Join(lines, "\r\n") + "\r\n\r\n"
}

const (
	hUpgrade = "Upgrade: websocket"
	hConn    = "Connection: Upgrade"
	hKey     = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
	hVersion = "Sec-WebSocket-Version: 13"
	hProto   = "Sec-WebSocket-Protocol: lws-echo"
)

func hostileHandshakes(t *testing.T, s *hostileServer) {
	cases := []struct {
		name string
		req  string
		want int // 0: any status but 101
	}{
		{"MissingKey", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, hVersion, hProto), 400},
		{"EmptyKey", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, "Sec-WebSocket-Key: ", hVersion, hProto), 400},
		{"BadVersion", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, hKey, "Sec-WebSocket-Version: 8", hProto), 400},
		{"MissingVersion", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, hKey, hProto), 400},
		{"UnknownSubprotocol", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, hKey, hVersion, "Sec-WebSocket-Protocol: no-such-protocol"), 400},
		{"ForeignOrigin", wsRequest("GET", "HTTP/1.1", hUpgrade, hConn, hKey, hVersion, hProto, "Origin: http://evil.example"), 403},
		{"Post", wsRequest("POST", "HTTP/1.1", hUpgrade, hConn, hKey, hVersion, hProto, "Content-Length: 0"), 405},
		// An Upgrade the server does not speak is ignored (RFC 9110
		// section 7.8): the request is served as plain HTTP, never
		// switched.
		{"BadUpgradeToken", wsRequest("GET", "HTTP/1.1", "Upgrade: websockets", hConn, hKey, hVersion, hProto), 0},
		{"NoConnectionUpgrade", wsRequest("GET", "HTTP/1.1", hUpgrade, "Connection: keep-alive", hKey, hVersion, hProto), 0},
		{"HugeHeaders", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431},
		{"BadRequestLine", "GET /\x01 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.rawRequest(t, tc.req)
			if resp.StatusCode == http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != "" {
				t.Fatalf("switched to WebSocket: %s %v", resp.Status, resp.Header)
			}
			if tc.want != 0 && resp.StatusCode != tc.want {
				t.Errorf("status %s (%q), want %d", resp.Status, bytes.TrimSpace(body[:min(len(body), 120)]), tc.want)
			}
			s.stillServes(t)
		})
	}
}

func hostileFrames(t *testing.T, s *hostileServer) {
	ping126 := bytes.Repeat([]byte{'p'}, 126)
	closeWith := func(code uint16) []byte {
		return binary.BigEndian.AppendUint16(nil, code)
	}
	cases := []struct {
		name string
		send [][]byte
	}{
		{"ReservedDataOpcode3", [][]byte{frame(0x83, []byte("x"), -1)}},
		{"ReservedDataOpcode7", [][]byte{frame(0x87, nil, -1)}},
		{"ReservedControlOpcodeB", [][]byte{frame(0x8B, []byte("x"), -1)}},
		{"RSV1WithoutExtension", [][]byte{frame(0x80|0x40|0x1, []byte("hi"), -1)}},
		{"RSV2", [][]byte{frame(0x80|0x20|0x1, []byte("hi"), -1)}},
		{"RSV3", [][]byte{frame(0x80|0x10|0x2, []byte("hi"), -1)}},
		{"PingOf126Bytes", [][]byte{frame(0x89, ping126, -1)}},
		{"CloseOf126Bytes", [][]byte{frame(0x88, append(closeWith(1000), bytes.Repeat([]byte{'c'}, 124)...), -1)}},
		{"FragmentedPing", [][]byte{frame(0x09, []byte("x"), -1)}},
		{"Length64TopBit", [][]byte{frameHeader64(0x82, 1<<63|5), []byte("hello")}},
		{"Length64NonMinimalTopBitText", [][]byte{frameHeader64(0x81, 0xFFFFFFFFFFFFFFFF)}},
		{"CloseCode999", [][]byte{frame(0x88, closeWith(999), -1)}},
		{"CloseCode1005", [][]byte{frame(0x88, closeWith(1005), -1)}},
		{"CloseCode1006", [][]byte{frame(0x88, closeWith(1006), -1)}},
		{"CloseCode1015", [][]byte{frame(0x88, closeWith(1015), -1)}},
		{"CloseCode5000", [][]byte{frame(0x88, closeWith(5000), -1)}},
		{"CloseOneBytePayload", [][]byte{frame(0x88, []byte{3}, -1)}},
		{"ContinuationWithoutStart", [][]byte{frame(0x80, []byte("x"), -1)}},
		{"NewMessageInsideFragmented", [][]byte{frame(0x01, []byte("a"), -1), frame(0x81, []byte("b"), -1)}},
		{"Unmasked", [][]byte{{0x81, 0x02, 'h', 'i'}}},
	}
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := s.wsOpen(t)
				for _, b := range tc.send {
					if _, err := w.Write(b); err != nil {
						t.Fatalf("sending: %v", err)
					}
				}
				w.expectClose(t, 1002)
			})
		}
	})
	s.stillServes(t)
}

func hostileUTF8(t *testing.T, s *hostileServer) {
	kappa := []byte("κ") // 0xCE 0xBA
	t.Run("ValidSplitAcrossFragments", func(t *testing.T) {
		// The positive control: a code point cut between two fragments is
		// valid and comes back whole.
		w := s.wsOpen(t)
		w.Write(frame(0x01, []byte("a"+string(kappa[:1])), -1))
		w.Write(frame(0x80, append(kappa[1:], 'z'), -1))
		w.SetReadDeadline(time.Now().Add(5 * time.Second))
		var got []byte
		for {
			f, err := w.readFrame()
			if err != nil {
				t.Fatalf("echo: %v (so far %q)", err, got)
			}
			got = append(got, f.payload...)
			if f.b0&0x80 != 0 {
				break
			}
		}
		if string(got) != "aκz" {
			t.Fatalf("echo %q, want %q", got, "aκz")
		}
	})
	cases := []struct {
		name string
		send [][]byte
	}{
		{"InvalidSplitAcrossFragments", [][]byte{frame(0x01, []byte("a"+string(kappa[:1])), -1), frame(0x80, []byte{0x20}, -1)}},
		{"InvalidInThirdFragment", [][]byte{frame(0x01, []byte("ok"), -1), frame(0x00, kappa, -1), frame(0x80, []byte{0xFF}, -1)}},
		{"SurrogateSplitAcrossFragments", [][]byte{frame(0x01, []byte{0xED}, -1), frame(0x80, []byte{0xA0, 0x80}, -1)}},
		// A truncated code point at the end of the last fragment.
		{"TruncatedAtEnd", [][]byte{frame(0x01, []byte("x"), -1), frame(0x80, kappa[:1], -1)}},
		{"InvalidSingleFrame", [][]byte{frame(0x81, []byte{'o', 0xC0, 0xAF}, -1)}},
		{"InvalidCloseReason", [][]byte{frame(0x88, append(binary.BigEndian.AppendUint16(nil, 1000), 0xFF), -1)}},
	}
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				w := s.wsOpen(t)
				for _, b := range tc.send {
					w.Write(b)
				}
				w.expectClose(t, 1007)
			})
		}
	})
	s.stillServes(t)
}

func hostileTraversal(t *testing.T, s *hostileServer) {
	targets := []string{
		"/../../../../../../etc/passwd",
		"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
		"/..%2f..%2f..%2f..%2fetc%2fpasswd",
		"/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/..\\..\\..\\..\\etc\\passwd",
		"/%5c..%5c..%5c..%5cetc%5cpasswd",
		"/./../.././../etc/passwd",
		"/index.html/../../../etc/passwd",
		"/index.html%00.txt",
		"/%00",
		"/..%00/etc/passwd",
		"//etc/passwd",
		"/..;/..;/etc/passwd",
		"/%252e%252e/%252e%252e/etc/passwd",
	}
	for _, target := range targets {
		t.Run(strings.NewReplacer("/", "_", "\\", "B", "%", "P").Replace(target), func(t *testing.T) {
			resp, body := s.rawRequest(t, "GET "+target+" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
			if bytes.Contains(body, []byte("root:")) {
				t.Fatalf("%s served /etc/passwd", target)
			}
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Errorf("GET %s: %s (%d bytes), want 4xx", target, resp.Status, len(body))
			}
		})
	}
	s.stillServes(t)
}

func hostileSmuggling(t *testing.T, s *hostileServer) {
	// Each request carries a second, smuggled request after the body its
	// framing would give; the server must refuse the first (400; net/http
	// answers 501 to a coding list not ending in chunked) or, for
	// Content-Length with chunked, frame it by Transfer-Encoding (RFC 9112
	// section 6.1: then any answer), and close the connection, never
	// answering the smuggled one.
	const smuggled = "GET /smuggled HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
	cases := []struct{ name, head, body, want string }{
		{"ContentLengthAndChunked", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n", ""},
		{"ChunkedAndContentLength", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n", ""},
		{"TwoContentLengths", "Content-Length: 4\r\nContent-Length: 5\r\n", "abcd", "400"},
		{"ContentLengthList", "Content-Length: 4, 5\r\n", "abcd", "400"},
		{"ContentLengthSign", "Content-Length: +4\r\n", "abcd", "400"},
		{"ContentLengthHex", "Content-Length: 0x4\r\n", "abcd", "400"},
		{"ChunkedNotLast", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n", "501"},
		{"ObfuscatedTE", "Transfer-Encoding : chunked\r\n", "0\r\n\r\n", "400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := s.dial(t)
			c.SetDeadline(time.Now().Add(5 * time.Second))
			req := "POST /formtest HTTP/1.1\r\nHost: 127.0.0.1\r\n" + tc.head + "\r\n" + tc.body + smuggled
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
			all, _ := io.ReadAll(c) // the server must close: no timeout
			resps := bytes.Count(all, []byte("HTTP/1.1 "))
			first, _, _ := bytes.Cut(all, []byte("\r\n"))
			if !bytes.HasPrefix(all, []byte("HTTP/1.1 "+tc.want)) {
				t.Errorf("answer %q, want %s", first, tc.want)
			}
			if resps != 1 {
				t.Errorf("%d responses on the connection (the smuggled request was served): %q", resps, all)
			}
		})
	}
	s.stillServes(t)
}

func hostileChurn(t *testing.T, s *hostileServer) {
	s.stillServes(t)
	fd0 := s.waitFDs(t, 0, 0)
	rss0 := s.rssKB(t)
	th0 := s.threads(t)
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				if err := churnOne(s, i%5); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s.stillServes(t)
	// Every reset connection must be let go: the descriptors come back to
	// the baseline (the idle keep-alive of stillServes is within 5 s).
	if fd := s.waitFDs(t, fd0+1, 10*time.Second); fd > fd0+1 {
		t.Errorf("the server holds %d descriptors 10 s after the churn, %d before", fd, fd0)
	}
	rss := s.rssKB(t)
	t.Logf("after %d reset connections: RSS %d → %d KiB, threads %d → %d, fds %d → %d",
		n, rss0, rss, th0, s.threads(t), fd0, s.fds(t))
	if rss > rss0+32<<10 {
		t.Errorf("RSS grew from %d to %d KiB over %d reset connections", rss0, rss, n)
	}
}

// churnOne opens a connection, leaves it in one of several states and
// resets it (SO_LINGER 0, so the close sends an RST).
func churnOne(s *hostileServer, kind int) error {
	c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		return err
	}
	tc := c.(*net.TCPConn)
	defer func() {
		tc.SetLinger(0)
		tc.Close()
	}()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	switch kind {
	case 0: // nothing sent: the raw fallback is still sniffing
	case 1: // half a request line
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHo")
	case 2: // a request whose answer is never read
		_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	case 3: // an open WebSocket, mid-frame
		_, err = fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
			"Sec-WebSocket-Protocol: lws-echo\r\n\r\n", s.addr)
		if err == nil {
			buf := make([]byte, 12)
			if _, err = io.ReadFull(c, buf); err == nil && !bytes.HasPrefix(buf, []byte("HTTP/1.1 101")) {
				err = fmt.Errorf("handshake answered %q", buf)
			}
		}
		if err == nil {
			_, err = c.Write(frame(0x81, []byte("half a message"), 1000)[:20])
		}
	case 4: // the raw fallback (the test server's raw echo), mid-line
		_, err = io.WriteString(c, "hello raw\n")
		if err == nil {
			buf := make([]byte, 10)
			_, err = io.ReadFull(c, buf)
		}
	}
	if err != nil {
		return fmt.Errorf("churn connection (kind %d): %v", kind, err)
	}
	return nil
}

// TestHostileSlowloris trickles a request's headers (a byte every 100 ms)
// and sends nothing at all on another connection: the server must cut both
// off within its ReadHeaderTimeout (the test server's "timeout-secs", 10 s)
// and serve other clients meanwhile.
func TestHostileSlowloris(t *testing.T) {
	t.Parallel()
	const headerTimeout = 10 * time.Second // examples/test-server/default.json
	s := startWithPID(t, "test-server")
	cases := []struct{ name, first string }{
		{"TrickledHeaders", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "},
		{"TrickledUpgrade", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Slow: "},
		{"Silent", ""},
	}
	t.Run("group", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				c := s.dial(t)
				start := time.Now()
				if _, err := io.WriteString(c, tc.first); err != nil {
					t.Fatal(err)
				}
				ended := make(chan time.Duration, 1)
				go func() {
					c.SetReadDeadline(start.Add(headerTimeout + 5*time.Second))
					n, _ := io.Copy(io.Discard, c)
					if n > 0 {
						t.Logf("the server answered %d bytes before closing", n)
					}
					ended <- time.Since(start)
				}()
				tick := time.NewTicker(100 * time.Millisecond) // the pacing is what is tested
				defer tick.Stop()
				for {
					select {
					case d := <-ended:
						if d > headerTimeout+3*time.Second {
							t.Fatalf("the server kept the slow connection %v (ReadHeaderTimeout %v)", d.Round(time.Millisecond), headerTimeout)
						}
						t.Logf("cut off after %v", d.Round(time.Millisecond))
						return
					case <-tick.C:
						if tc.first != "" {
							c.Write([]byte{'a'}) // fails once the server has closed
						}
					}
				}
			})
		}
		t.Run("OthersServedMeanwhile", func(t *testing.T) {
			t.Parallel()
			for range 3 {
				time.Sleep(time.Second) // while the slow clients hold their connections
				s.stillServes(t)
			}
		})
	})
	s.stillServes(t)
}
