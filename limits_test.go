package lws_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/plugins/echo"
)

// refused reports whether a connection to addr from local is closed by the
// server before any byte.
func refused(t *testing.T, addr string, local net.IP) bool {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_, err = http.ReadResponse(bufio.NewReader(nc), nil)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("neither served nor refused within 5 s")
	}
	return err != nil
}

// held is an HTTP/1.1 keep-alive connection that has been served once.
func held(t *testing.T, addr string, local net.IP) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	if !served(nc) {
		t.Fatalf("connection from %v not served", local)
	}
	return nc
}

// served makes one keep-alive request on nc.
func served(nc net.Conn) bool {
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

func TestMaxConns(t *testing.T) {
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, MaxConns: 3})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{echo.Protocol}, HTTP: nameHandler("x")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	echoOK := func(ws *websocket.Conn, msg string) error {
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			return err
		}
		_, got, err := ws.Read(ctx)
		if err == nil && string(got) != msg {
			err = fmt.Errorf("echo %q, want %q", got, msg)
		}
		return err
	}
	var conns []*websocket.Conn
	for i := range 3 {
		ws, _, err := websocket.Dial(ctx, lwstest.WS(v), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		defer ws.CloseNow()
		if err := echoOK(ws, "hi"); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, ws)
	}
	if _, _, err := websocket.Dial(ctx, lwstest.WS(v), nil); err == nil {
		t.Fatal("a 4th WebSocket got through MaxConns 3")
	}
	if !refused(t, v.Addr().String(), nil) {
		t.Fatal("a 4th HTTP connection was served")
	}
	for i, ws := range conns {
		if err := echoOK(ws, fmt.Sprint("still ", i)); err != nil {
			t.Fatalf("connection %d after the refusals: %v", i, err)
		}
	}
	// A slot frees when a connection ends.
	conns[0].Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for refused(t, v.Addr().String(), nil) {
		if time.Now().After(deadline) {
			t.Fatal("no slot freed within 5 s of a close")
		}
	}
}

func TestMaxConnsPerIP(t *testing.T) {
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, MaxConnsPerIP: 2})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	addr := v.Addr().String()
	one, two := net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)
	a := held(t, addr, one)
	b := held(t, addr, one)
	for range 5 {
		if !refused(t, addr, one) {
			t.Fatal("a 3rd connection from 127.0.0.1 was served")
		}
	}
	held(t, addr, two)
	held(t, addr, two)
	if !refused(t, addr, two) {
		t.Fatal("a 3rd connection from 127.0.0.2 was served")
	}
	if !served(a) || !served(b) {
		t.Fatal("held connections were harmed")
	}
}

func TestDefaultMaxConns(t *testing.T) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		t.Fatal(err)
	}
	want := int(min(r.Cur, 1<<31-1)) - listen.FDReserve
	if got := listen.DefaultMaxConns(); got != want || got < 1 {
		t.Fatalf("DefaultMaxConns = %d, want %d (RLIMIT_NOFILE %d)", got, want, r.Cur)
	}
}

// TestManyConnectionsFromOneIP opens many connections from 127.0.0.1 at
// once against both per-IP limits: exactly the hard cap is served, the
// rest are dropped, and nothing hangs.
func TestManyConnectionsFromOneIP(t *testing.T) {
	const limit, tries = 8, 40
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, MaxConnsPerIP: limit, MaxRequestsPerIP: 2})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	type result struct {
		nc     net.Conn
		served bool
	}
	results := make(chan result, tries)
	for range tries {
		go func() {
			nc, err := net.DialTimeout("tcp", v.Addr().String(), 5*time.Second)
			if err != nil {
				results <- result{}
				return
			}
			results <- result{nc, served(nc)}
		}()
	}
	n := 0
	for range tries {
		r := <-results
		if r.nc != nil {
			defer r.nc.Close()
		}
		if r.served {
			n++
		}
	}
	if n != limit {
		t.Fatalf("%d of %d connections served, want exactly %d", n, tries, limit)
	}
	if !strings.HasPrefix(httpGetFrom(t, v.URL(), net.IPv4(127, 0, 0, 3)), "x ") {
		t.Fatal("another IP was not served")
	}
}

func httpGetFrom(t *testing.T, url string, ip net.IP) string {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext}
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
