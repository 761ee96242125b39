package conn_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golws/lws/conn"
)

// chunkRec is a received chunk as the session saw it.
type chunkRec struct {
	typ          conn.MessageType
	data         []byte
	first, final bool
}

// chunkRecorder is a session that collects the chunks of each message and
// hands them over when the message is complete.
func chunkRecorder(msgs chan<- []chunkRec) func(*conn.Conn) conn.Session {
	return func(*conn.Conn) conn.Session {
		var cur []chunkRec
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				cur = append(cur, chunkRec{in.Type, bytes.Clone(in.Data), in.First, in.Final})
				if in.Final {
					msgs <- cur
					cur = nil
				}
				return nil
			},
		}
	}
}

// pattern is n bytes that differ from their neighbours, so a misplaced chunk
// shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}

// checkChunks verifies invariant 7 on the chunks of one received message.
func checkChunks(t *testing.T, chunks []chunkRec, typ conn.MessageType, want []byte, rxSize int) {
	t.Helper()
	if len(chunks) == 0 {
		t.Fatal("no chunks")
	}
	var got []byte
	for i, ch := range chunks {
		if len(ch.data) > rxSize {
			t.Errorf("chunk %d has %d bytes, more than the rx buffer size %d", i, len(ch.data), rxSize)
		}
		// Fragments are delivered as they arrive, so an empty final
		// fragment that comes after the others gives an empty final chunk.
		if len(ch.data) == 0 && len(want) > 0 && !ch.final {
			t.Errorf("chunk %d of a %d-byte message is empty", i, len(want))
		}
		if ch.first != (i == 0) {
			t.Errorf("chunk %d of %d: First=%v", i, len(chunks), ch.first)
		}
		if ch.final != (i == len(chunks)-1) {
			t.Errorf("chunk %d of %d: Final=%v", i, len(chunks), ch.final)
		}
		if ch.typ != typ {
			t.Errorf("chunk %d: type %v, want %v", i, ch.typ, typ)
		}
		got = append(got, ch.data...)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("reassembled %q, want %q", got, want)
	}
}

func TestReceivedFragments(t *testing.T) {
	const rxSize = 16
	tests := []struct {
		name   string
		typ    conn.MessageType
		size   int
		frags  []int // frame payload sizes on the wire; nil is one frame
		chunks int   // exact chunk count, when the case pins it down
	}{
		{name: "100 bytes in one frame", typ: conn.Binary, size: 100},
		{name: "100 bytes of text in one frame", typ: conn.Text, size: 100},
		{name: "100 bytes in fragments", typ: conn.Binary, size: 100, frags: []int{10, 0, 33, 1, 40, 16}},
		{name: "100 bytes of text in fragments", typ: conn.Text, size: 100, frags: []int{50, 50}},
		{name: "exact multiple", typ: conn.Binary, size: 4 * rxSize, chunks: 4},
		{name: "exact multiple in fragments", typ: conn.Binary, size: 4 * rxSize, frags: []int{rxSize, rxSize, rxSize, rxSize}, chunks: 4},
		{name: "exact multiple ending in empty fragment", typ: conn.Text, size: 2 * rxSize, frags: []int{rxSize, rxSize, 0}},
		{name: "one buffer", typ: conn.Binary, size: rxSize, chunks: 1},
		{name: "one byte over", typ: conn.Binary, size: rxSize + 1, chunks: 2},
		{name: "empty", typ: conn.Text, size: 0, chunks: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := make(chan []chunkRec, 4)
			s := startServer(t, chunkRecorder(msgs), conn.Options{RxBufferSize: rxSize})
			rc := dialRaw(t, s, "")
			msg := pattern(tt.size)
			frags := tt.frags
			if frags == nil {
				frags = []int{tt.size}
			}
			// Two messages in a row: First must be set again on the second.
			for range 2 {
				off := 0
				for i, n := range frags {
					op := byte(0)
					if i == 0 {
						op = byte(tt.typ)
					}
					if err := rc.writeFrame(i == len(frags)-1, op, msg[off:off+n]); err != nil {
						t.Fatal(err)
					}
					off += n
				}
			}
			ctx := testCtx(t)
			for range 2 {
				select {
				case chunks := <-msgs:
					checkChunks(t, chunks, tt.typ, msg, rxSize)
					if tt.chunks != 0 && len(chunks) != tt.chunks {
						t.Fatalf("%d chunks, want %d", len(chunks), tt.chunks)
					}
				case <-ctx.Done():
					t.Fatal("message not delivered")
				}
			}
		})
	}
}

// TestReceivedFragmentsFromLibrary sends a message with coder/websocket's
// streaming writer, one frame per Write.
func TestReceivedFragmentsFromLibrary(t *testing.T) {
	const rxSize = 16
	msgs := make(chan []chunkRec, 1)
	s := startServer(t, chunkRecorder(msgs), conn.Options{RxBufferSize: rxSize})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	msg := pattern(100)
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range [][]byte{msg[:7], msg[7:40], msg[40:41], msg[41:]} {
		if _, err := w.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case chunks := <-msgs:
		checkChunks(t, chunks, conn.Text, msg, rxSize)
	case <-ctx.Done():
		t.Fatal("message not delivered")
	}
}

// TestSendFragments sends one message as fragments over several writeables
// and checks the frames on the wire.
func TestSendFragments(t *testing.T) {
	parts := []string{"Hello", ", ", "world"}
	tests := []struct {
		name   string
		typ    conn.MessageType
		opcode byte
	}{
		{"text", conn.Text, 1},
		{"binary", conn.Binary, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := conn.Binary
			if tt.typ == conn.Binary {
				other = conn.Text
			}
			typeErrs := make(chan error, 2)
			// One action per writeable: the message's three fragments, and
			// between them two writes of the other type, which are refused.
			actions := []func(c *conn.Conn) error{
				func(c *conn.Conn) error { return c.WriteFragment(tt.typ, []byte(parts[0]), false) },
				func(c *conn.Conn) error {
					typeErrs <- c.WriteFragment(other, []byte("wrong"), false)
					return nil
				},
				func(c *conn.Conn) error {
					typeErrs <- c.Write(other, []byte("wrong"))
					return nil
				},
				func(c *conn.Conn) error { return c.WriteFragment(tt.typ, []byte(parts[1]), false) },
				func(c *conn.Conn) error { return c.WriteFragment(tt.typ, []byte(parts[2]), true) },
			}
			s := startServer(t, func(*conn.Conn) conn.Session {
				step := 0
				return &funcSession{
					established: func(c *conn.Conn) error {
						c.RequestWritable()
						return nil
					},
					writeable: func(c *conn.Conn) error {
						if step == len(actions) {
							return nil // spurious
						}
						step++
						if err := actions[step-1](c); err != nil {
							return err
						}
						if step < len(actions) {
							c.RequestWritable()
						}
						return nil
					},
				}
			}, conn.Options{})
			rc := dialRaw(t, s, "")
			rc.SetReadDeadline(time.Now().Add(10 * time.Second))
			var frames []frame
			for len(frames) == 0 || !frames[len(frames)-1].fin {
				f, err := rc.readFrame()
				if err != nil {
					t.Fatalf("after %d frames: %v", len(frames), err)
				}
				frames = append(frames, f)
			}
			if len(frames) < len(parts) {
				t.Fatalf("%d frames on the wire, want at least %d", len(frames), len(parts))
			}
			var got []byte
			for i, f := range frames {
				want := byte(0)
				if i == 0 {
					want = tt.opcode
				}
				if f.opcode != want {
					t.Errorf("frame %d: opcode %d, want %d", i, f.opcode, want)
				}
				if f.fin != (i == len(frames)-1) {
					t.Errorf("frame %d of %d: fin=%v", i, len(frames), f.fin)
				}
				got = append(got, f.payload...)
			}
			if want := "Hello, world"; string(got) != want {
				t.Fatalf("payload %q, want %q", got, want)
			}
			for range 2 {
				if err := <-typeErrs; !errors.Is(err, conn.ErrFragmentType) {
					t.Fatalf("write of another type mid-message: %v, want ErrFragmentType", err)
				}
			}
		})
	}
}

// TestWholeMessageAfterFragments checks that the fragment state ends with the
// final fragment: the next message may have another type.
func TestWholeMessageAfterFragments(t *testing.T) {
	s := startServer(t, func(*conn.Conn) conn.Session {
		step := 0
		return &funcSession{
			established: func(c *conn.Conn) error {
				c.RequestWritable()
				return nil
			},
			writeable: func(c *conn.Conn) error {
				step++
				var err error
				switch step {
				case 1:
					err = c.WriteFragment(conn.Text, []byte("a"), false)
				case 2:
					err = c.WriteFragment(conn.Text, []byte("b"), true)
				case 3:
					err = c.Write(conn.Binary, []byte{0xff})
				default:
					return nil
				}
				if err != nil {
					return fmt.Errorf("step %d: %w", step, err)
				}
				c.RequestWritable()
				return nil
			},
		}
	}, conn.Options{})
	c := dial(t, s, nil)
	ctx := testCtx(t)
	for _, want := range []struct {
		typ  websocket.MessageType
		data string
	}{{websocket.MessageText, "ab"}, {websocket.MessageBinary, "\xff"}} {
		typ, got, err := c.Read(ctx)
		if err != nil || typ != want.typ || string(got) != want.data {
			t.Fatalf("read %v %q, %v; want %v %q", typ, got, err, want.typ, want.data)
		}
	}
}
