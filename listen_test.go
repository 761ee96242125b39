package lws_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/listen"
)

// sockopts answers with socket options of the accepted connection it runs
// on, read back with getsockopt.
var sockopts = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer nc.Close()
	var out string
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			get := func(level, opt int) int {
				v, err := syscall.GetsockoptInt(int(fd), level, opt)
				if err != nil {
					return -1
				}
				return v
			}
			out = fmt.Sprintf("keepalive=%d idle=%d interval=%d count=%d device=%q",
				get(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE),
				get(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE),
				get(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL),
				get(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT),
				boundDevice(int(fd)))
		})
	}
	if err != nil {
		out = err.Error()
	}
	fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(out), out)
	brw.Flush()
})

// boundDevice reads SO_BINDTODEVICE, which package syscall only sets.
func boundDevice(fd int) string {
	buf := make([]byte, 32)
	n := uint32(len(buf))
	_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return "error: " + e.Error()
	}
	return strings.TrimRight(string(buf[:n]), "\x00")
}

func httpGet(t *testing.T, url string) string {
	t.Helper()
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKeepAliveOnAcceptedSockets(t *testing.T) {
	tests := []struct {
		name string
		ka   *net.KeepAliveConfig
		want string
	}{
		{"set", &net.KeepAliveConfig{Enable: true, Idle: 7 * time.Second, Interval: 3 * time.Second, Count: 4}, "keepalive=1 idle=7 interval=3 count=4"},
		{"defaults", nil, "keepalive=1 idle=15 interval=15 count=9"},
		{"off", &net.KeepAliveConfig{}, "keepalive=0 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := lws.New(lwstest.Quiet())
			v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: sockopts,
				Listener: &listen.Options{KeepAlive: tt.ka}})
			if err != nil {
				t.Fatal(err)
			}
			lwstest.Run(t, c)
			if got := httpGet(t, v.URL()); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("%s, want %s", got, tt.want)
			}
		})
	}
}

func TestBindToDevice(t *testing.T) {
	t.Run("lo", func(t *testing.T) {
		c := lws.New(lwstest.Quiet())
		v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: sockopts,
			Listener: &listen.Options{Interface: "lo", BindToDevice: true}})
		if os.Geteuid() != 0 {
			// Without CAP_NET_RAW the error must say so.
			if err == nil || !errors.Is(err, listen.ErrBindToDevice) || !strings.Contains(err.Error(), "CAP_NET_RAW") {
				t.Fatalf("as uid %d: %v", os.Geteuid(), err)
			}
			t.Skipf("not root: got the expected error %v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		lwstest.Run(t, c)
		if got := httpGet(t, v.URL()); !strings.Contains(got, `device="lo"`) {
			t.Fatalf("accepted socket: %s", got)
		}
	})
	t.Run("no such device", func(t *testing.T) {
		c := lws.New(lwstest.Quiet())
		_, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0",
			Listener: &listen.Options{Interface: "nosuchdev0", BindToDevice: true}})
		if err == nil || !errors.Is(err, listen.ErrBindToDevice) || !strings.Contains(err.Error(), `"nosuchdev0"`) {
			t.Fatalf("got %v", err)
		}
		if os.Geteuid() == 0 && !strings.Contains(err.Error(), "no such network interface") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("interface address", func(t *testing.T) {
		c := lws.New(lwstest.Quiet())
		v, err := c.NewVhost(lws.VhostOptions{Listen: ":0", HTTP: nameHandler("lo"),
			Listener: &listen.Options{Interface: "lo"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.NewVhost(lws.VhostOptions{Name: "x", Listen: ":0", Listener: &listen.Options{Interface: "nosuchdev0"}})
		if err == nil || !strings.Contains(err.Error(), `"nosuchdev0"`) {
			t.Fatalf("got %v", err)
		}
		lwstest.Run(t, c)
		if ip := v.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			t.Fatalf("listening on %v, want lo's address", v.Addr())
		}
		if got := httpGet(t, v.URL()); got != "lo HTTP/1.1" {
			t.Fatal(got)
		}
	})
}

func TestSlowlorisIsCutOff(t *testing.T) {
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, ReadHeaderTimeout: 300 * time.Millisecond})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	nc, err := net.Dial("tcp", v.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	// Trickle a header byte every 20 ms, forever if let; the server must
	// end the connection when ReadHeaderTimeout runs out.
	cut := make(chan time.Duration, 1)
	go func() {
		buf := make([]byte, 512)
		for {
			if _, err := nc.Read(buf); err != nil {
				cut <- time.Since(start)
				return
			}
		}
	}()
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case d := <-cut:
			if d > 2*time.Second {
				t.Fatalf("cut off after %v", d)
			}
			return
		case <-tick.C:
			nc.Write([]byte("a"))
		case <-deadline:
			t.Fatal("a client trickling its headers was not cut off within 5 s")
		}
	}
}

func TestMaxHeaderBytes(t *testing.T) {
	c := lws.New(&lws.Options{Logger: lwstest.Quiet().Logger, MaxHeaderBytes: 4096})
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: nameHandler("x")})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	for _, tt := range []struct {
		size int
		want int
	}{{100, 200}, {20_000, http.StatusRequestHeaderFieldsTooLarge}} {
		nc, err := net.Dial("tcp", v.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\nConnection: close\r\n\r\n", strings.Repeat("b", tt.size))
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil || resp.StatusCode != tt.want {
			t.Errorf("header of %d bytes: %v %v, want %d", tt.size, resp, err, tt.want)
		}
		nc.Close()
	}
}

func TestListenerOptionsShared(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	opts := &listen.Options{H2C: true}
	a, err := c.NewVhost(lws.VhostOptions{Name: "a", Listen: "127.0.0.1:0", Listener: opts})
	if err != nil {
		t.Fatal(err)
	}
	same := *opts
	for i, o := range []*listen.Options{nil, &same} {
		if _, err := c.NewVhost(lws.VhostOptions{Name: fmt.Sprint("b", i), Listen: a.Addr().String(), Listener: o}); err != nil {
			t.Fatalf("joining with %v: %v", o, err)
		}
	}
	if _, err := c.NewVhost(lws.VhostOptions{Name: "c", Listen: a.Addr().String(), Listener: &listen.Options{}}); err == nil {
		t.Fatal("joined with other options")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
