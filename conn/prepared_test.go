package conn_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
)

// broadcastSession sends the prepared messages in order, one per Writeable,
// starting once established.
type broadcastSession struct {
	conn.NopSession
	msgs []*conn.Prepared
	next int
}

func (s *broadcastSession) Established(c *conn.Conn) error {
	c.RequestWritable()
	return nil
}

func (s *broadcastSession) Writeable(c *conn.Conn) error {
	if s.next == len(s.msgs) {
		return nil
	}
	m := s.msgs[s.next]
	s.next++
	if s.next < len(s.msgs) {
		c.RequestWritable()
	}
	return c.WritePrepared(m)
}

func TestWritePreparedReachesEveryKindOfPeer(t *testing.T) {
	big := bytes.Repeat([]byte("compress me once, send me many times. "), 400)
	rnd := make([]byte, 8<<10)
	for i := range rnd {
		rnd[i] = byte(i*7919 + i>>3)
	}
	msgs := []*conn.Prepared{
		conn.NewPrepared(conn.Text, []byte("short: under the threshold")),
		conn.NewPrepared(conn.Text, big),
		conn.NewPrepared(conn.Binary, rnd),
		conn.NewPrepared(conn.Binary, nil),
		conn.NewPrepared(conn.Text, big), // the same bytes again: no context is carried over
	}
	tests := []struct {
		name   string
		mode   websocket.CompressionMode
		shares bool
	}{
		{"no compression", websocket.CompressionDisabled, false},
		{"no context takeover", websocket.CompressionNoContextTakeover, true},
		{"context takeover", websocket.CompressionContextTakeover, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var shares sync.Map
			s := startServerWith(t, func(*conn.Conn) conn.Session {
				return &broadcastSession{msgs: msgs}
			}, conn.Options{}, &websocket.AcceptOptions{CompressionMode: tt.mode, InsecureSkipVerify: true},
				func(ws *conn.WebSocket) { shares.Store(ws, ws.SharesCompression()) })
			ctx := testCtx(t)
			for range 3 { // several peers share one compression
				c := dial(t, s, &websocket.DialOptions{CompressionMode: tt.mode})
				c.SetReadLimit(-1)
				for i, m := range msgs {
					typ, got, err := c.Read(ctx)
					if err != nil || conn.MessageType(typ) != m.Type() || !bytes.Equal(got, m.Data()) {
						t.Fatalf("message %d: %v %d bytes, %v; want %v %d bytes", i, typ, len(got), err, m.Type(), len(m.Data()))
					}
				}
				c.Close(websocket.StatusNormalClosure, "")
			}
			shares.Range(func(_, v any) bool {
				if v.(bool) != tt.shares {
					t.Errorf("SharesCompression = %v, want %v", v, tt.shares)
				}
				return true
			})
		})
	}
}

func TestWritePreparedSharesTheCompressedBytes(t *testing.T) {
	// A raw client that negotiates no context takeover sees the frame on the
	// wire: compressed (RSV1) and smaller than the message.
	msg := bytes.Repeat([]byte("abcdefgh"), 1000)
	s := startServerWith(t, func(*conn.Conn) conn.Session {
		return &broadcastSession{msgs: []*conn.Prepared{conn.NewPrepared(conn.Binary, msg)}}
	}, conn.Options{}, &websocket.AcceptOptions{CompressionMode: websocket.CompressionNoContextTakeover, InsecureSkipVerify: true}, nil)
	for range 2 {
		rc := dialRaw(t, s, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n")
		rc.SetReadDeadline(time.Now().Add(5 * time.Second))
		first, err := rc.br.Peek(1)
		if err != nil {
			t.Fatal(err)
		}
		rsv1 := first[0]&0x40 != 0
		f, err := rc.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !rsv1 || f.opcode != 2 || len(f.payload) >= len(msg) {
			t.Fatalf("frame rsv1 %v opcode %d, %d bytes for a %d-byte message", rsv1, f.opcode, len(f.payload), len(msg))
		}
	}
}

// BenchmarkBroadcastDeflate sends one message to many connections that
// negotiated permessage-deflate without context takeover, over loopback
// TCP: compressed by each connection (Write) or once for all (WritePrepared).
func BenchmarkBroadcastDeflate(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10} {
		for _, peers := range []int{100} {
			var msg []byte // JSON-like drawing strokes, compressible as real ones are
			for i := 0; len(msg) < size; i++ {
				msg = fmt.Appendf(msg, `{"x":%d,"y":%d,"c":"#%06x"},`, i*37%1000, i*91%700, uint32(i*2654435761)%0xffffff)
			}
			msg = msg[:size]
			for _, once := range []bool{false, true} {
				name := fmt.Sprintf("%dB/%dpeers/each", size, peers)
				if once {
					name = fmt.Sprintf("%dB/%dpeers/once", size, peers)
				}
				b.Run(name, func(b *testing.B) {
					wss := conn.BenchDeflatePeers(b, peers)
					b.SetBytes(int64(size * peers))
					b.ReportAllocs()
					for b.Loop() {
						if once {
							p := conn.NewPrepared(conn.Text, msg)
							for _, ws := range wss {
								conn.BenchSendPrepared(b, ws, p)
							}
							continue
						}
						for _, ws := range wss {
							if pending, err := ws.Send(conn.Text, msg, true); err != nil {
								b.Fatal(err)
							} else if pending {
								ws.Flush()
							}
						}
					}
				})
			}
		}
	}
}
