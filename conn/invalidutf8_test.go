package conn_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws/conn"
)

// echoClosed is the echo session that also reports why it closed.
type echoClosed struct {
	echo
	closed chan<- error
}

func (e *echoClosed) Closed(_ *conn.Conn, err error) { e.closed <- err }

// finishClose reads frames until the server's close frame, answers it as a
// well-behaved client does, and returns the close code.
func (rc *rawClient) finishClose(t *testing.T) int {
	t.Helper()
	rc.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := rc.readFrame()
		if err != nil {
			t.Fatalf("reading until close frame: %v", err)
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

func TestInvalidUTF8(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name    string
		rxSize  int      // 0: the default
		frags   []string // frame payloads of one message
		invalid bool     // as text, the message must be refused with 1007
	}{
		{name: "valid", frags: []string{"héllo €𝄞"}},
		{name: "invalid byte", frags: []string{"a\xffb"}, invalid: true},
		{name: "overlong", frags: []string{"\xc0\xaf"}, invalid: true},
		{name: "surrogate", frags: []string{"\xed\xa0\x80"}, invalid: true},
		{name: "truncated at the end", frags: []string{"ab\xc3"}, invalid: true},

		{name: "2-byte rune split across fragments", frags: []string{"ab\xc3", "\xa9cd"}},
		{name: "4-byte rune split 1+3 across fragments", frags: []string{"\xf0", "\x9f\x98\x80"}},
		{name: "4-byte rune split 3+1 across fragments", frags: []string{"x\xf0\x9f\x98", "\x80"}},
		{name: "4-byte rune over three fragments", frags: []string{"\xf0\x9f", "", "\x98", "\x80!"}},
		{name: "invalid sequence split across fragments", frags: []string{"ab\xc3", "Acd"}, invalid: true},
		{name: "invalid 3-byte sequence split across fragments", frags: []string{"\xe2\x82", "("}, invalid: true},
		{name: "truncated rune in the last fragment", frags: []string{"ab", "\xc3"}, invalid: true},
		{name: "bad byte after fragments", frags: []string{"ab", "cd", "\xff"}, invalid: true},

		// With a 16-byte rx buffer the chunks split runes on their own.
		{name: "2-byte rune split across chunks", rxSize: 16, frags: []string{a(15) + "é" + a(20)}},
		{name: "3-byte rune split across chunks", rxSize: 16, frags: []string{a(14) + "€" + a(20)}},
		{name: "4-byte rune split across chunks", rxSize: 16, frags: []string{a(13) + "𝄞" + a(20)}},
		{name: "invalid sequence split across chunks", rxSize: 16, frags: []string{a(15) + "\xc3A" + a(20)}, invalid: true},
		{name: "invalid 4-byte sequence split across chunks", rxSize: 16, frags: []string{a(14) + "\xf0\x9f(" + a(20)}, invalid: true},
		{name: "truncated rune ending a full chunk", rxSize: 16, frags: []string{a(15) + "\xc3"}, invalid: true},
	}
	for _, tt := range tests {
		for _, opcode := range []byte{1, 2} {
			name := tt.name + "/text"
			if opcode == 2 {
				name = tt.name + "/binary"
			}
			t.Run(name, func(t *testing.T) {
				closed := make(chan error, 1)
				s := startServer(t, func(*conn.Conn) conn.Session {
					return &echoClosed{closed: closed}
				}, conn.Options{RxBufferSize: tt.rxSize})
				rc := dialRaw(t, s, "")
				for i, p := range tt.frags {
					op := byte(0)
					if i == 0 {
						op = opcode
					}
					if err := rc.writeFrame(i == len(tt.frags)-1, op, []byte(p)); err != nil {
						t.Fatal(err)
					}
				}
				msg := strings.Join(tt.frags, "")

				if tt.invalid && opcode == 1 {
					if code := rc.finishClose(t); code != 1007 {
						t.Fatalf("close code %d, want 1007", code)
					}
					select {
					case err := <-closed:
						if !errors.Is(err, conn.ErrInvalidUTF8) {
							t.Fatalf("Closed got %v, want ErrInvalidUTF8", err)
						}
					case <-testCtx(t).Done():
						t.Fatal("Closed did not run")
					}
					return
				}

				// Accepted: the session echoes the message back whole.
				rc.SetReadDeadline(time.Now().Add(10 * time.Second))
				f, err := rc.readFrame()
				if err != nil {
					t.Fatal(err)
				}
				if f.opcode != opcode || !f.fin || !bytes.Equal(f.payload, []byte(msg)) {
					t.Fatalf("got frame opcode %d fin %v %q, want the echo of %q", f.opcode, f.fin, f.payload, msg)
				}
				select {
				case err := <-closed:
					t.Fatalf("connection closed: %v", err)
				default:
				}
			})
		}
	}
}
