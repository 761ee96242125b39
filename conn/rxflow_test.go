package conn_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testwait"
)

// TestRxFlowControlIsBackpressure checks invariant 5: once a session turns rx
// off, the engine stops reading the socket, the kernel buffers fill and the
// peer's writes block, and memory stays bounded however much the peer tries
// to send. Turning rx on again delivers every byte, in order.
func TestRxFlowControlIsBackpressure(t *testing.T) {
	const (
		msgSize = 64 << 10
		rxSize  = conn.DefaultRxBufferSize
		// The client tries to send 64 MiB. What it can get accepted while
		// the server reads nothing is what the kernel buffers on loopback
		// hold: the client's send buffer (tcp_wmem max, 4 MiB by default)
		// plus the server's receive buffer, which autotuning grows only
		// while the application reads (it starts at tcp_rmem's default,
		// 128 KiB), plus one chunk in the engine and a few KiB in bufio:
		// about 4 MiB on a usual Linux. The bound leaves room for larger
		// buffers yet stays well below the whole 64 MiB that a reader
		// ignoring rx would let through.
		messages   = 64 * (1 << 20) / msgSize
		total      = messages * msgSize
		stallBound = 40 << 20
		// Both ends run in this process, so the heap measured is the
		// client's and the server's together; neither may hold more than a
		// few buffers.
		heapBound = 16 << 20
	)

	var (
		received   atomic.Int64 // bytes given to Receive
		offReceive atomic.Int32 // Receive calls made while rx was off
		messagesIn atomic.Int32
	)
	stopped := make(chan *conn.Conn, 1)
	sums := make(chan [sha256.Size]byte, 1)
	s := startServer(t, func(*conn.Conn) conn.Session {
		h := sha256.New()
		first := true
		return &funcSession{
			receive: func(c *conn.Conn, in conn.Chunk) error {
				if !c.RxOn() {
					offReceive.Add(1)
				}
				if in.Type != conn.Binary {
					t.Errorf("chunk type %v", in.Type)
				}
				h.Write(in.Data)
				if in.Final {
					messagesIn.Add(1)
				}
				if first {
					first = false
					c.SetRx(false)
					stopped <- c
				}
				if received.Add(int64(len(in.Data))) == total {
					var sum [sha256.Size]byte
					h.Sum(sum[:0])
					sums <- sum
				}
				return nil
			},
		}
	}, conn.Options{RxBufferSize: rxSize})
	c := dial(t, s, nil)
	ctx := testCtx(t)

	before := testwait.HeapInUse()

	var accepted atomic.Int64 // bytes whose Write returned
	clientDone := make(chan error, 1)
	clientSum := make(chan [sha256.Size]byte, 1)
	go func() {
		h := sha256.New()
		msg := bytes.Repeat([]byte("golws rx flow control "), msgSize/22+1)[:msgSize]
		for i := range messages {
			binary.BigEndian.PutUint64(msg, uint64(i)) // order matters to the hash
			h.Write(msg)
			if err := c.Write(ctx, websocket.MessageBinary, msg); err != nil {
				clientDone <- err
				return
			}
			accepted.Add(msgSize)
		}
		var sum [sha256.Size]byte
		h.Sum(sum[:0])
		clientSum <- sum
		clientDone <- nil
	}()

	var sc *conn.Conn
	select {
	case sc = <-stopped:
	case err := <-clientDone:
		t.Fatalf("client ended before the server turned rx off: %v", err)
	case <-ctx.Done():
		t.Fatal("no message reached the server")
	}

	stall := testwait.Stall(t, "client's accepted bytes", accepted.Load, 300*time.Millisecond, 8*time.Second)
	select {
	case err := <-clientDone:
		t.Fatalf("client finished all %d bytes with rx off (err %v): no backpressure", total, err)
	default:
	}
	if stall >= stallBound {
		t.Fatalf("client got %d bytes accepted with rx off, want < %d", stall, stallBound)
	}
	growth := testwait.HeapInUse() - before
	t.Logf("rx off: client stalled after %d bytes (%.1f MiB); heap grew %.1f MiB", stall, float64(stall)/(1<<20), float64(growth)/(1<<20))
	if growth >= heapBound {
		t.Fatalf("heap grew %d bytes while the client pushed %d with rx off, want < %d", growth, stall+msgSize, heapBound)
	}
	if n := received.Load(); n > rxSize {
		t.Fatalf("Receive got %d bytes after turning rx off on the first chunk", n)
	}
	if sc.RxOn() {
		t.Fatal("RxOn reports true after SetRx(false)")
	}

	sc.SetRx(true) // from the test goroutine, not a callback
	select {
	case err := <-clientDone:
		if err != nil {
			t.Fatalf("client: %v", err)
		}
	case <-ctx.Done():
		t.Fatalf("client did not finish after rx was turned on: %d of %d bytes accepted", accepted.Load(), total)
	}
	want := <-clientSum
	select {
	case got := <-sums:
		if got != want {
			t.Fatal("the server received different bytes, or in a different order, than the client sent")
		}
	case <-ctx.Done():
		t.Fatalf("server received %d of %d bytes", received.Load(), total)
	}
	if n := messagesIn.Load(); n != messages {
		t.Fatalf("server saw %d final chunks, want %d messages", n, messages)
	}
	if n := offReceive.Load(); n != 0 {
		t.Fatalf("%d Receive callbacks ran while rx was off", n)
	}
}
