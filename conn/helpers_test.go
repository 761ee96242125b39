package conn_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// server is a test WebSocket server whose connections run in the engine.
type server struct {
	*httptest.Server
	set *conn.Set
}

// startServer serves WebSocket connections whose sessions newSession makes.
// It closes every connection and waits for them when the test ends.
func startServer(t *testing.T, newSession func(*conn.Conn) conn.Session, opts conn.Options) *server {
	t.Helper()
	return startServerWith(t, newSession, opts, &websocket.AcceptOptions{InsecureSkipVerify: true}, nil)
}

// startServerWith is startServer accepting with accept; prepare, if not
// nil, sees each transport before its connection starts.
func startServerWith(t *testing.T, newSession func(*conn.Conn) conn.Session, opts conn.Options,
	accept *websocket.AcceptOptions, prepare func(*conn.WebSocket)) *server {
	t.Helper()
	s := &server{set: new(conn.Set)}
	opts.Set = s.set
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := conn.AcceptWebSocket(w, r, accept)
		if err != nil {
			return
		}
		if prepare != nil {
			prepare(ws)
		}
		conn.Start(ws, conn.InfoFromRequest(r, ""), newSession, &opts)
	}))
	t.Cleanup(func() {
		s.Server.Close()
		s.set.CloseAll(conn.StatusGoingAway, "test over")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.set.Wait(ctx); err != nil {
			t.Errorf("connections did not end: %v", err)
		}
	})
	return s
}

func (s *server) wsURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") }

// dial opens a coder/websocket client to s.
func dial(t *testing.T, s *server, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.wsURL(), opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(-1)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// testCtx is a context bounded well inside the test's time.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testCtxB is testCtx for benchmarks.
func testCtxB(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	b.Cleanup(cancel)
	return ctx
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// rawClient speaks WebSocket frames by hand over TCP, to send what a correct
// client library will not and to see frames as they are on the wire.
type rawClient struct {
	net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, s *server, header string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	key := make([]byte, 16)
	rand.Read(key)
	fmt.Fprintf(nc, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
		base64.StdEncoding.EncodeToString(key), header)
	rc := &rawClient{Conn: nc, br: bufio.NewReader(nc)}
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %s", resp.Status)
	}
	nc.SetReadDeadline(time.Time{})
	return rc
}

// writeFrame sends one masked frame.
func (rc *rawClient) writeFrame(fin bool, opcode byte, payload []byte) error {
	_, err := rc.Write(encodeFrame(fin, opcode, payload))
	return err
}

type frame struct {
	fin     bool
	opcode  byte
	payload []byte
}

// readFrame reads one unmasked server frame.
func (rc *rawClient) readFrame() (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(rc.br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, opcode: h[0] & 0x0F}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(rc.br, b[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(rc.br, b[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(rc.br, f.payload)
	return f, err
}

// closeCode reads frames until a close frame and returns its code.
func (rc *rawClient) closeCode(t *testing.T) int {
	t.Helper()
	rc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("reading until close frame: %v", err)
		}
		if f.opcode == 8 {
			if len(f.payload) < 2 {
				return 1005
			}
			return int(binary.BigEndian.Uint16(f.payload))
		}
	}
}

// encodeFrame returns one masked client frame as the bytes writeFrame
// sends, for tests that send a frame many times or splice raw headers.
func encodeFrame(fin bool, opcode byte, payload []byte) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	hdr := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xFFFF:
		hdr = append(hdr, 0x80|126, byte(n>>8), byte(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	mask := []byte{1, 2, 3, 4}
	out := append(hdr, mask...)
	for i, b := range payload {
		out = append(out, b^mask[i%4])
	}
	return out
}

// waitWithin polls cond until it holds or d has passed, and reports whether
// it held.
func waitWithin(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
	return true
}

// lockedBuffer is a bytes.Buffer that goroutines may write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// captureSlog sends log/slog's default logger to a buffer until the test
// ends. slog.SetDefault also redirects the log package's default logger,
// whose output and flags are put back too.
func captureSlog(t *testing.T) *lockedBuffer {
	t.Helper()
	buf := new(lockedBuffer)
	prev := slog.Default()
	logOut, logFlags := log.Writer(), log.Flags()
	slog.SetDefault(slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		slog.SetDefault(prev)
		log.SetOutput(logOut)
		log.SetFlags(logFlags)
	})
	return buf
}

// framesUntilEnd reads frames until the connection ends (EOF, reset) or d
// passes. It returns the frames read and the error that ended reading; a
// timeout is reported as an error for which isTimeout holds.
func (rc *rawClient) framesUntilEnd(d time.Duration) ([]frame, error) {
	rc.SetReadDeadline(time.Now().Add(d))
	var frames []frame
	for {
		f, err := rc.readFrame()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

// isTimeout reports whether err is a read deadline passing.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// closeWithin reads frames until the server's close frame, failing the test
// if none comes within d; it answers the close as a well-behaved client
// does and returns the close code (1005 for none).
func (rc *rawClient) closeWithin(t *testing.T, d time.Duration) int {
	t.Helper()
	rc.SetReadDeadline(time.Now().Add(d))
	for {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("no close frame within %v: %v", d, err)
		}
		if f.opcode != 8 {
			continue
		}
		rc.writeFrame(true, 8, f.payload)
		if len(f.payload) < 2 {
			return 1005
		}
		return int(binary.BigEndian.Uint16(f.payload))
	}
}
