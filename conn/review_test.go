package conn_test

import (
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// pingStub is a stubTransport whose pings are answered at once.
type pingStub struct {
	*stubTransport
	pings atomic.Int64
}

func (p *pingStub) Ping() error {
	p.pings.Add(1)
	return nil
}

// Heard counts each ping as answered.
func (p *pingStub) Heard() uint64 { return uint64(p.pings.Load()) }

func (p *pingStub) Unread() int { return -1 }

// TestPingTimerArmedBeforeFirstPing checks that a ping timer firing at once
// (a ping interval shorter than Start takes to return) finds its timer: the
// ping re-arms it, and must not race Start's assignment of it (or find it
// nil).
func TestPingTimerArmedBeforeFirstPing(t *testing.T) {
	for range 50 {
		p := &pingStub{stubTransport: newStub()}
		c, err := conn.Start(p, nil, func(*conn.Conn) conn.Session { return conn.NopSession{} },
			&conn.Options{PingInterval: time.Nanosecond, PongTimeout: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, "pings", func() bool { return p.pings.Load() >= 2 })
		c.Close(conn.StatusNormal, "")
		select {
		case <-c.Done():
		case <-testCtx(t).Done():
			t.Fatal("connection did not end")
		}
	}
}

// TestPongBehindRxOff checks that pongs the peer sends in time are not
// taken for a dead peer while rx is off and they wait unread behind a
// message: bytes waiting in the kernel are a sign of life.
func TestPongBehindRxOff(t *testing.T) {
	const pongTimeout = 200 * time.Millisecond
	started := make(chan *conn.Conn, 1)
	received := make(chan string, 2)
	closed := make(chan error, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		started <- c
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				c.SetRx(false) // as a session that cannot keep up does
				received <- string(in.Data)
				return nil
			},
			closed: func(_ *conn.Conn, err error) { closed <- err },
		}
	}, conn.Options{PingInterval: 20 * time.Millisecond, PongTimeout: pongTimeout})
	rc := dialRaw(t, s, "")
	sc := <-started

	// A peer that answers every ping and forwards the other frames.
	frames := make(chan frame, 16)
	var pings atomic.Int32
	go func() {
		defer close(frames)
		for {
			f, err := rc.readFrame()
			if err != nil {
				return
			}
			if f.opcode == 9 {
				pings.Add(1)
				if rc.writeFrame(true, 10, f.payload) != nil {
					return
				}
				continue
			}
			frames <- f
		}
	}()
	rc.SetReadDeadline(time.Now().Add(8 * time.Second))
	if err := rc.writeFrame(true, 2, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if got := <-received; got != "one" {
		t.Fatalf("received %q", got)
	}

	// Keep rx off well past the pong timeout: the pongs wait unread.
	select {
	case err := <-closed:
		t.Fatalf("connection closed while rx was off and the pongs waited unread: %v", err)
	case f := <-frames:
		t.Fatalf("unexpected frame %d %q while rx was off", f.opcode, f.payload)
	case <-time.After(5 * pongTimeout):
	}
	if pings.Load() < 2 {
		t.Fatalf("%d pings while rx was off; pings must go on", pings.Load())
	}

	// Turned back on, the connection works and pings go on.
	sc.SetRx(true)
	if err := rc.writeFrame(true, 2, []byte("two")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-received:
		if got != "two" {
			t.Fatalf("received %q", got)
		}
	case <-testCtx(t).Done():
		t.Fatal("second message not received")
	}
	sc.SetRx(true)
	before := pings.Load()
	waitFor(t, "pings after rx went back on", func() bool { return pings.Load() >= before+3 })
	select {
	case err := <-closed:
		t.Fatalf("closed after rx went back on: %v", err)
	case f := <-frames:
		t.Fatalf("unexpected frame %d %q", f.opcode, f.payload)
	default:
	}
}

// TestCompressedFinalBlockChunks sends compressed messages whose deflate
// stream ends with a final block (RFC 7692 allows it), one byte longer than
// the rx buffer, and checks the chunks: coder/websocket returns the last
// byte of such a message together with io.EOF.
func TestCompressedFinalBlockChunks(t *testing.T) {
	const rxSize = 4
	set := new(conn.Set)
	msgs := make(chan []chunkRec, 4)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := conn.AcceptWebSocket(w, r, &websocket.AcceptOptions{
			InsecureSkipVerify: true,
			CompressionMode:    websocket.CompressionContextTakeover,
		})
		if err != nil {
			return
		}
		conn.Start(ws, nil, chunkRecorder(msgs), &conn.Options{RxBufferSize: rxSize, Set: set})
	}))
	t.Cleanup(func() {
		hs.Close()
		set.CloseAll(conn.StatusGoingAway, "")
		if err := set.Wait(testCtx(t)); err != nil {
			t.Error(err)
		}
	})
	rc := dialRaw(t, &server{Server: hs}, "Sec-WebSocket-Extensions: permessage-deflate\r\n")

	for i, text := range []string{"abcde", "fghij", "k"} {
		// One stored deflate block, marked final.
		payload := []byte{0x01}
		payload = binary.LittleEndian.AppendUint16(payload, uint16(len(text)))
		payload = binary.LittleEndian.AppendUint16(payload, ^uint16(len(text)))
		payload = append(payload, text...)
		fr := []byte{0x80 | 0x40 | 1, 0x80 | byte(len(payload)), 0, 0, 0, 0} // FIN, RSV1, text; zero mask
		if _, err := rc.Write(append(fr, payload...)); err != nil {
			t.Fatal(err)
		}
		select {
		case chunks := <-msgs:
			checkChunks(t, chunks, conn.Text, []byte(text), rxSize)
		case <-testCtx(t).Done():
			t.Fatalf("message %d not received", i)
		}
	}
}

// TestLongCloseReasonStaysUTF8 checks that a close reason too long for a
// close frame is cut on a rune boundary: a reason that is not UTF-8 makes
// the peer fail the connection instead of reading the close.
func TestLongCloseReasonStaysUTF8(t *testing.T) {
	reason := strings.Repeat("\u00e9", 100) // 200 bytes, every rune 2 bytes
	started := make(chan *conn.Conn, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		started <- c
		return conn.NopSession{}
	}, conn.Options{})
	rc := dialRaw(t, s, "")
	(<-started).Close(4000, reason)
	rc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("reading until close frame: %v", err)
		}
		if f.opcode != 8 {
			continue
		}
		got := f.payload[2:]
		if !utf8.Valid(got) {
			t.Fatalf("close reason is not UTF-8: %q", got)
		}
		if len(got) > 123 || !strings.HasPrefix(reason, string(got)) || len(got) < 122 {
			t.Fatalf("close reason %q (%d bytes), want the longest prefix of the reason that fits", got, len(got))
		}
		rc.writeFrame(true, 8, f.payload)
		return
	}
}

// TestCloseGraceCutsSilentPeer: Close documents that a peer that does not
// answer the close is cut off after the close grace. coder/websocket's close
// handshake waits up to its own 5 s for the peer's close frame and its
// CloseNow only waits for it; the transport from AcceptWebSocket closes the
// socket itself.
func TestCloseGraceCutsSilentPeer(t *testing.T) {
	const grace = 200 * time.Millisecond
	started := make(chan *conn.Conn, 1)
	s := startServer(t, func(c *conn.Conn) conn.Session {
		started <- c
		return conn.NopSession{}
	}, conn.Options{CloseGrace: grace})
	_ = dialRaw(t, s, "") // never answers the close
	sc := <-started
	start := time.Now()
	sc.Close(4001, "bye")
	select {
	case <-sc.Done():
	case <-testCtx(t).Done():
		t.Fatal("connection did not end")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("closing a silent peer took %v with a %v grace", d, grace)
	}
}
