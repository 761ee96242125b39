package conn_test

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golws/lws/conn"
)

// failCase is a peer's protocol error: what the raw client sends.
type failCase struct {
	name string
	send func(rc *rawClient) error
}

// sendFrame sends one masked frame.
func sendFrame(fin bool, opcode byte, payload []byte) func(rc *rawClient) error {
	return func(rc *rawClient) error { return rc.writeFrame(fin, opcode, payload) }
}

// sendBytes sends b as it is.
func sendBytes(b []byte) func(rc *rawClient) error {
	return func(rc *rawClient) error {
		_, err := rc.Write(b)
		return err
	}
}

// expectFailed checks how the server fails a connection after a protocol
// error (RFC 6455 section 7.1.7): a close frame with 1002, then the TCP
// connection closed at once (within 300 ms of the close frame), without
// waiting for the client to answer the close, which this client never does.
func expectFailed(t *testing.T, rc *rawClient, sent time.Time) {
	t.Helper()
	const within = 300 * time.Millisecond
	rc.SetReadDeadline(sent.Add(3 * time.Second))
	for {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		if f.opcode != 8 {
			continue
		}
		if code := closePayloadCode(f.payload); code != 1002 {
			t.Errorf("close code %d, want 1002", code)
		}
		break
	}
	closeAt := time.Now()
	frames, err := rc.framesUntilEnd(time.Second)
	if len(frames) > 0 {
		t.Errorf("%d frames after the close frame", len(frames))
	}
	switch d := time.Since(closeAt).Round(time.Millisecond); {
	case isTimeout(err):
		t.Fatalf("TCP connection still open %v after the close frame, want it closed at once", d)
	case d > within:
		t.Fatalf("TCP connection closed %v after the close frame, want within %v", d, within)
	}
}

// closePayloadCode is the code of a close frame's payload, 1005 if it has
// none.
func closePayloadCode(p []byte) int {
	if len(p) < 2 {
		return 1005
	}
	return int(binary.BigEndian.Uint16(p))
}

func runFailCases(t *testing.T, tests []failCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan error, 1)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{closed: func(_ *conn.Conn, err error) { closed <- err }}
			}, conn.Options{})
			rc := dialRaw(t, s, "")
			sent := time.Now()
			if err := tt.send(rc); err != nil {
				t.Fatal(err)
			}
			expectFailed(t, rc, sent)
			select {
			case err := <-closed:
				if err == nil {
					t.Error("Closed got nil after the peer's protocol error")
				}
			case <-testCtx(t).Done():
				t.Fatal("Closed did not run")
			}
		})
	}
}

// TestProtocolErrorClosesPromptly checks that a peer's protocol error in a
// close frame or an opcode fails the connection: the server sends a close
// frame with 1002 and closes the TCP connection at once, instead of holding
// it for the close handshake's timeout.
func TestProtocolErrorClosesPromptly(t *testing.T) {
	runFailCases(t, []failCase{
		{"close code 999", sendFrame(true, 8, closePayload(999, ""))},
		{"close code 1005 on the wire", sendFrame(true, 8, closePayload(1005, ""))},
		{"close code 1006 on the wire", sendFrame(true, 8, closePayload(1006, ""))},
		{"close frame with a 1-byte payload", sendFrame(true, 8, []byte{0x03})},
		{"reserved opcode 3", sendFrame(true, 3, []byte("x"))},
		{"reserved control opcode 11", sendFrame(true, 11, nil)},
	})
}

// TestProtocolViolationCloseCode checks that framing violations by the peer
// are protocol errors, answered with 1002 (not 1011, which says the server
// failed) and a prompt close of the TCP connection.
func TestProtocolViolationCloseCode(t *testing.T) {
	runFailCases(t, []failCase{
		// FIN, binary, length 3, no mask bit: clients must mask.
		{"unmasked client frame", sendBytes([]byte{0x82, 0x03, 'a', 'b', 'c'})},
		// FIN, binary, 64-bit length whose most significant bit is set.
		{"64-bit length with the top bit set", sendBytes(append(
			[]byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1},
			1, 2, 3, 4))},
	})
}

// TestPeerEOFNotAnsweredWithClose checks that a peer that ends its side of
// the TCP connection without a close frame (a half-close, shutdown(SHUT_WR))
// is not sent a close frame: the server ends the connection and the client
// reads EOF with no frame before it. The Closed callback runs with an
// error.
func TestPeerEOFNotAnsweredWithClose(t *testing.T) {
	tests := []struct {
		name    string
		message bool // send a whole message before the EOF
	}{
		{"right after the handshake", false},
		{"after a message", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			received := make(chan struct{}, 1)
			closed := make(chan error, 1)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{
					receive: func(c *conn.Conn, in conn.Chunk) error {
						if in.Final {
							received <- struct{}{}
						}
						return nil
					},
					closed: func(_ *conn.Conn, err error) { closed <- err },
				}
			}, conn.Options{})
			rc := dialRaw(t, s, "")
			ctx := testCtx(t)
			if tt.message {
				if err := rc.writeFrame(true, 2, []byte("last words")); err != nil {
					t.Fatal(err)
				}
				select {
				case <-received:
				case <-ctx.Done():
					t.Fatal("message not received")
				}
			}
			if err := rc.Conn.(*net.TCPConn).CloseWrite(); err != nil {
				t.Fatal(err)
			}
			frames, err := rc.framesUntilEnd(3 * time.Second)
			for _, f := range frames {
				t.Errorf("server answered a TCP EOF with a frame: opcode %d, payload %q", f.opcode, f.payload)
			}
			if isTimeout(err) {
				t.Fatal("connection still open 3s after the peer's EOF")
			}
			select {
			case err := <-closed:
				if err == nil {
					t.Error("Closed got nil after the peer vanished")
				}
			case <-ctx.Done():
				t.Fatal("Closed did not run")
			}
		})
	}
}

// TestInvalidUTF8CloseReasonNotEchoed checks that a peer's close frame
// whose reason is not UTF-8 is a protocol error, not a close to echo: the
// server answers with 1002 or 1007 and never sends the peer's invalid bytes
// back.
func TestInvalidUTF8CloseReasonNotEchoed(t *testing.T) {
	tests := []struct{ name, reason string }{
		{"invalid bytes", "\xff\xfe"},
		{"overlong", "ok\xc0\xaf"},
		{"surrogate", "\xed\xa0\x80"},
	}
	for _, tt := range tests {
		reason := tt.reason
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, func(*conn.Conn) conn.Session { return conn.NopSession{} }, conn.Options{})
			rc := dialRaw(t, s, "")
			if err := rc.writeFrame(true, 8, closePayload(1000, reason)); err != nil {
				t.Fatal(err)
			}
			rc.SetReadDeadline(time.Now().Add(5 * time.Second))
			for {
				f, err := rc.readFrame()
				if err != nil {
					t.Fatalf("reading until the close frame: %v", err)
				}
				if f.opcode != 8 {
					continue
				}
				code := closePayloadCode(f.payload)
				if code != 1002 && code != 1007 {
					t.Errorf("close code %d, want 1002 or 1007", code)
				}
				if len(f.payload) > 2 {
					got := f.payload[2:]
					if bytes.Contains(got, []byte(reason)) || !utf8.Valid(got) {
						t.Errorf("close reason %q echoes the peer's invalid reason or is not UTF-8", got)
					}
				}
				return
			}
		})
	}
}
