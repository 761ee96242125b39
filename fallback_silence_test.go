package lws_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/lwsws"
)

// lateGET sends a request on nc, which has been silent so far, and returns
// the first line of what comes back.
func lateGET(t *testing.T, nc net.Conn) string {
	t.Helper()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the answer: %q, %v", line, err)
	}
	return line
}

// TestRawFallbackLateRequest: without a silence rule (the default), a
// connection that says nothing for longer than the old fixed 2 s (a
// browser's spare connection) and then sends an HTTP request gets an HTTP
// response, not its bytes echoed by the raw protocol.
func TestRawFallbackLateRequest(t *testing.T) {
	var sessions atomic.Int32
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:      "127.0.0.1:0",
		Protocols:   []*lws.Protocol{rawEchoProtocol("raw-echo", "", &sessions)},
		HTTP:        http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("plain http")) }),
		RawFallback: &lws.RawFallback{Protocol: "raw-echo"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// The silence is what is tested, not a synchronisation: outlast the
	// 2 s after which the fallback used to give up on HTTP.
	time.Sleep(lws.DefaultRawFallbackTimeout + 300*time.Millisecond)
	if line := lateGET(t, nc); !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("a late GET got %q, want an HTTP 200", line)
	}
	if n := sessions.Load(); n != 0 {
		t.Fatalf("%d raw sessions, want none", n)
	}
}

// TestRawFallbackSilenceOptIn: the silence rule applies only when asked
// for, in the Go options and as "listen-accept-silence-ms" in the JSON
// configuration.
func TestRawFallbackSilenceOptIn(t *testing.T) {
	for _, silenceMs := range []int{0, 100} {
		t.Run(fmt.Sprint("silence-ms=", silenceMs), func(t *testing.T) {
			port := lwstest.FreeTCPPort(t)
			extra := ""
			if silenceMs > 0 {
				extra = fmt.Sprintf(`"listen-accept-silence-ms": "%d",`, silenceMs)
			}
			conf := fmt.Sprintf(`{
  "global": { "log-level": "err" },
  "vhosts": [{
    "name": "localhost", "port": %d, "interface": "127.0.0.1",
    "listen-accept-role": "raw-skt", "listen-accept-protocol": "lws-echo",
    "fallback-listen-accept": "1", %s
    "ws-protocols": [{ "lws-echo": {} }]
  }]
}`, port, extra)
			cfg := &lwsws.Config{}
			if err := cfg.Parse("test.json", []byte(conf)); err != nil {
				t.Fatal(err)
			}
			if got := cfg.Vhosts[0].RawSilenceMs; got != silenceMs {
				t.Fatalf("RawSilenceMs %d, want %d", got, silenceMs)
			}
			c, err := lwsws.New(cfg, &lwsws.Options{})
			if err != nil {
				t.Fatal(err)
			}
			lwstest.Run(t, c)
			nc, err := net.Dial("tcp", c.Vhosts()[0].Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			// Silent for 4 times the rule's length (scenario, not sync).
			time.Sleep(400 * time.Millisecond)
			line := lateGET(t, nc)
			if silenceMs == 0 && !strings.HasPrefix(line, "HTTP/1.1 ") {
				t.Fatalf("no silence rule: a late GET got %q, want an HTTP response", line)
			}
			if silenceMs > 0 && line != "GET / HTTP/1.1\r\n" {
				t.Fatalf("silence rule: a late GET got %q, want it echoed", line)
			}
		})
	}
}

// TestRawFallbackSilentConnectionIdles: without a silence rule, a
// connection that never says anything is closed after the Server's
// ReadHeaderTimeout (the listener's idle limit), not handed to raw.
func TestRawFallbackSilentConnectionIdles(t *testing.T) {
	var sessions atomic.Int32
	o := lwstest.Quiet()
	o.ReadHeaderTimeout = 200 * time.Millisecond
	c := lws.New(o)
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:      "127.0.0.1:0",
		Protocols:   []*lws.Protocol{rawEchoProtocol("raw-echo", "", &sessions)},
		RawFallback: &lws.RawFallback{Protocol: "raw-echo"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := nc.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read %d, %v; want the connection closed (EOF)", n, err)
	}
	if n := sessions.Load(); n != 0 {
		t.Fatalf("%d raw sessions, want none", n)
	}
}
