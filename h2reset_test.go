package lws_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
)

// rapidReset speaks HTTP/2 on nc (the preface already negotiated, if by
// TLS): it opens streams and resets each at once (RST_STREAM CANCEL), up
// to max streams or until the server sends GOAWAY or closes. It returns
// the streams the server took (by GOAWAY's last stream ID, else the
// streams sent), how long it took, and whether GOAWAY came.
func rapidReset(t *testing.T, nc net.Conn, max int, limit time.Duration) (int, time.Duration, bool) {
	t.Helper()
	nc.SetDeadline(time.Now().Add(limit + 5*time.Second))
	bw := bufio.NewWriterSize(nc, 64<<10)
	if _, err := io.WriteString(bw, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(bw, nc)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range []hpack.HeaderField{{Name: ":method", Value: "GET"}, {Name: ":scheme", Value: "http"},
		{Name: ":authority", Value: "127.0.0.1"}, {Name: ":path", Value: "/"}} {
		enc.WriteField(f)
	}
	block := hb.Bytes()

	goaway := make(chan bool, 1) // true: GOAWAY; false: closed without
	var last uint32              // GOAWAY's last stream, set before goaway is sent
	go func() {
		rf := http2.NewFramer(io.Discard, nc)
		for {
			f, err := rf.ReadFrame()
			if err != nil {
				goaway <- false
				return
			}
			if ga, ok := f.(*http2.GoAwayFrame); ok {
				t.Logf("GOAWAY %v, last stream %d", ga.ErrCode, ga.LastStreamID)
				last = ga.LastStreamID
				goaway <- true
				return
			}
		}
	}()
	start := time.Now()
	n := 0
	for id := uint32(1); n < max && time.Since(start) < limit; id += 2 {
		select {
		case g := <-goaway:
			if g {
				n = int(last+1) / 2
			}
			return n, time.Since(start), g
		default:
		}
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
			break
		}
		if err := fr.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
			break
		}
		n++
		if n%100 == 0 {
			if err := bw.Flush(); err != nil {
				break
			}
		}
	}
	bw.Flush()
	select {
	case g := <-goaway:
		if g {
			n = int(last+1) / 2
		}
		return n, time.Since(start), g
	case <-time.After(2 * time.Second):
		return n, time.Since(start), false
	}
}

// TestH2RapidReset opens and resets streams at once (CVE-2023-44487), over
// h2c and over TLS. golws serves both with net/http's own HTTP/2 server
// (http.Server.Protocols: HTTP2 for ALPN "h2", UnencryptedHTTP2 for h2c),
// so both have the same mitigation and must behave alike: net/http runs at
// most MaxConcurrentStreams handlers and queues the streams beyond, and
// sends GOAWAY ENHANCE_YOUR_CALM once more than 4×MaxConcurrentStreams
// wait. It does not count resets as such: while handlers return as soon
// as their stream is reset, no GOAWAY comes over either.
func TestH2RapidReset(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	release := make(chan struct{})
	defer close(release)
	// stubborn handlers outlive the reset of their stream.
	stubborn := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		select {
		case <-release:
		case <-time.After(2 * time.Second):
		}
	})
	const streams = 10
	cases := []struct {
		name   string
		h      http.Handler
		h2cfg  *http.HTTP2Config
		max    int
		goaway bool
	}{
		{"stubborn handler", stubborn, &http.HTTP2Config{MaxConcurrentStreams: streams}, 100000, true},
		{"handler returns on reset", nameHandler("x"), nil, 20000, false},
	}
	for _, tc := range cases {
		c := lws.New(lwstest.Quiet())
		h2cfg := tc.h2cfg
		h2c, err := c.NewVhost(lws.VhostOptions{Name: "h2c", Listen: "127.0.0.1:0", HTTP: tc.h,
			Listener: &listen.Options{H2C: true, HTTP2: h2cfg}})
		if err != nil {
			t.Fatal(err)
		}
		h2, err := c.NewVhost(lws.VhostOptions{Name: "h2", Listen: "127.0.0.1:0", HTTP: tc.h,
			Listener: &listen.Options{HTTP2: h2cfg},
			TLS:      &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}}})
		if err != nil {
			t.Fatal(err)
		}
		lwstest.Run(t, c)
		dial := map[string]func(t *testing.T) net.Conn{
			"h2c": func(t *testing.T) net.Conn {
				nc, err := net.Dial("tcp", h2c.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				return nc
			},
			"tls": func(t *testing.T) net.Conn {
				nc, err := tls.Dial("tcp", h2.Addr().String(), &tls.Config{RootCAs: cert.Pool, NextProtos: []string{"h2"}})
				if err != nil {
					t.Fatal(err)
				}
				return nc
			},
		}
		got := map[string]bool{}
		for _, over := range []string{"h2c", "tls"} {
			t.Run(tc.name+"/"+over, func(t *testing.T) {
				nc := dial[over](t)
				defer nc.Close()
				n, d, g := rapidReset(t, nc, tc.max, 10*time.Second)
				t.Logf("%s: %d streams reset in %v, GOAWAY %v", over, n, d, g)
				got[over] = g
				if tc.goaway && (!g || n > 100*streams || d > 5*time.Second) {
					t.Errorf("%s: GOAWAY %v after %d resets in %v, want it within %d resets", over, g, n, d, 100*streams)
				}
			})
		}
		if got["h2c"] != got["tls"] {
			t.Errorf("%s: GOAWAY over h2c %v, over TLS %v: they should agree", tc.name, got["h2c"], got["tls"])
		}
		if !tc.goaway && !got["h2c"] && !got["tls"] {
			t.Logf("%s: no GOAWAY over h2c nor over TLS: net/http's HTTP/2 server has no limit on the rate of resets, only on handlers queued behind MaxConcurrentStreams", tc.name)
		}
	}
}
