package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// hostileServer is an example program started by the hostile suite, with
// its process id so that its memory and descriptors can be read in /proc.
type hostileServer struct {
	url  string // http://127.0.0.1:PORT
	addr string // 127.0.0.1:PORT
	pid  int
}

// startWithPID starts the program name on a loopback port with the
// harness's launcher, keeping its process id. It is stopped with SIGINT,
// and must exit cleanly, when the test ends.
func startWithPID(t *testing.T, name string, args ...string) *hostileServer {
	t.Helper()
	var stderr io.Writer = io.Discard // hostile clients make the server log a lot
	if testing.Verbose() {
		stderr = os.Stderr
	}
	lines, _, cmd := launchCmd(t, name, stderr, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	url := expectLine(t, lines, "listening on ")
	return &hostileServer{url: url, addr: strings.TrimPrefix(url, "http://"), pid: cmd.Process.Pid}
}

// procStatus reads one field (in kB for VmRSS) of /proc/PID/status.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc/%d/status: %v", pid, err)
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			n, err := strconv.Atoi(strings.Fields(rest)[0])
			if err != nil {
				t.Fatalf("%s: %q: %v", field, l, err)
			}
			return n
		}
	}
	t.Skipf("no %s in /proc/%d/status", field, pid)
	return 0
}

// rssKB is the server's resident set size in KiB.
func (s *hostileServer) rssKB(t *testing.T) int { return procStatus(t, s.pid, "VmRSS") }

// threads is the server's OS thread count.
func (s *hostileServer) threads(t *testing.T) int { return procStatus(t, s.pid, "Threads") }

// fds is the number of file descriptors the server has open: one per open
// connection, plus the listener, the FIFO and the runtime's own.
func (s *hostileServer) fds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid))
	if err != nil {
		t.Skipf("cannot list the server's descriptors: %v", err)
	}
	return len(ents)
}

// waitFDs waits (polling, up to within) until the server holds at most max
// descriptors, and returns the last count.
func (s *hostileServer) waitFDs(t *testing.T, max int, within time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		n := s.fds(t)
		if n <= max || time.Now().After(deadline) {
			return n
		}
		time.Sleep(20 * time.Millisecond) // polling /proc: no event to wait on
	}
}

// dial opens a TCP connection to the server, closed when the test ends.
func (s *hostileServer) dial(t *testing.T) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// rawRequest sends req as it is on a new connection and reads one response.
func (s *hostileServer) rawRequest(t *testing.T, req string) (*http.Response, []byte) {
	t.Helper()
	c := s.dial(t)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("sending %q: %v", req, err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no response to %q: %v", req, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp, body
}

// stillServes checks that an ordinary client is served normally: GET /
// answers 200 with the page, and a WebSocket of lws-echo echoes a message.
func (s *hostileServer) stillServes(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/", nil)
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
	if err != nil {
		t.Fatalf("GET / after the hostile client: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<html")) {
		t.Fatalf("GET / after the hostile client: %d, %d bytes", resp.StatusCode, len(body))
	}
	c, _, err := websocket.Dial(ctx, ws(s.url)+"/", &websocket.DialOptions{Subprotocols: []string{"lws-echo"}})
	if err != nil {
		t.Fatalf("WebSocket after the hostile client: %v", err)
	}
	defer c.CloseNow()
	want := "still there?"
	if err := c.Write(ctx, websocket.MessageText, []byte(want)); err != nil {
		t.Fatalf("WebSocket write: %v", err)
	}
	_, got, err := c.Read(ctx)
	if err != nil || string(got) != want {
		t.Fatalf("WebSocket echo: %q, %v; want %q", got, err, want)
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// wsRaw is a WebSocket client over a raw socket, free to break the
// protocol.
type wsRaw struct {
	*net.TCPConn
	br *bufio.Reader
}

// wsOpen makes a valid lws-echo handshake on a new raw connection.
func (s *hostileServer) wsOpen(t *testing.T) *wsRaw {
	t.Helper()
	c := s.dial(t)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+
		"Sec-WebSocket-Protocol: lws-echo\r\n\r\n", s.addr)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: %s %v", resp.Status, resp.Header)
	}
	c.SetDeadline(time.Time{})
	return &wsRaw{TCPConn: c, br: br}
}

// frame builds a masked client frame. b0 is FIN|RSV|opcode; length, if
// not negative, replaces the payload length written in the header.
func frame(b0 byte, payload []byte, length int64) []byte {
	var b bytes.Buffer
	b.WriteByte(b0)
	n := int64(len(payload))
	if length >= 0 {
		n = length
	}
	switch {
	case n < 126:
		b.WriteByte(0x80 | byte(n))
	case n <= 0xFFFF:
		b.WriteByte(0x80 | 126)
		binary.Write(&b, binary.BigEndian, uint16(n))
	default:
		b.WriteByte(0x80 | 127)
		binary.Write(&b, binary.BigEndian, uint64(n))
	}
	mask := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b.Write(mask[:])
	for i, c := range payload {
		b.WriteByte(c ^ mask[i%4])
	}
	return b.Bytes()
}

// frameHeader64 is a masked frame header with the 8-byte length form
// holding raw as it is (for lengths with the top bit set).
func frameHeader64(b0 byte, raw uint64) []byte {
	var b bytes.Buffer
	b.WriteByte(b0)
	b.WriteByte(0x80 | 127)
	binary.Write(&b, binary.BigEndian, raw)
	b.Write([]byte{1, 2, 3, 4})
	return b.Bytes()
}

// serverFrame is a frame received from the server.
type serverFrame struct {
	b0      byte
	payload []byte
}

func (w *wsRaw) readFrame() (serverFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return serverFrame{}, err
	}
	if h[1]&0x80 != 0 {
		return serverFrame{}, errors.New("server frame is masked")
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(w.br, l[:]); err != nil {
			return serverFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(w.br, l[:]); err != nil {
			return serverFrame{}, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > 1<<20 {
		return serverFrame{}, fmt.Errorf("server frame of %d bytes", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(w.br, p); err != nil {
		return serverFrame{}, err
	}
	return serverFrame{b0: h[0], payload: p}, nil
}

// expectClose reads frames until the server's close frame and checks its
// code, then checks that the server ends the TCP connection within 1 s of
// it, without waiting for a close from this client, which never sends one.
func (w *wsRaw) expectClose(t *testing.T, code uint16) {
	t.Helper()
	w.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := w.readFrame()
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if f.b0&0x0F != 8 {
			continue
		}
		got := uint16(1005)
		if len(f.payload) >= 2 {
			got = binary.BigEndian.Uint16(f.payload)
		}
		if got != code {
			t.Errorf("close code %d (%q), want %d", got, f.payload[min(2, len(f.payload)):], code)
		}
		break
	}
	at := time.Now()
	w.SetReadDeadline(at.Add(3 * time.Second))
	n, err := io.Copy(io.Discard, w.br)
	if n > 0 {
		t.Errorf("%d bytes after the close frame", n)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the TCP connection open 3 s after its close frame")
	}
	if d := time.Since(at); d > time.Second {
		t.Errorf("the server ended the TCP connection %v after its close frame, want < 1 s", d.Round(time.Millisecond))
	}
}

// expectEnd waits up to within for the server to end the connection and
// returns how long it took; it fails the test if it did not.
func expectEnd(t *testing.T, c net.Conn, br io.Reader, within time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", within)
	}
}
