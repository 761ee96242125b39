package raw_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/testwait"
)

func TestSocketEcho(t *testing.T) {
	const rxSize = 16
	tests := []struct {
		name  string
		first string
		send  []byte
	}{
		{"no first bytes", "", []byte("hello")},
		{"first bytes come first", "sniffed:", []byte("rest")},
		{"first bytes longer than a chunk", "0123456789abcdefghijklmnopqrstuvwxyz", []byte("!")},
		{"input larger than the rx buffer", "", bytes.Repeat([]byte("0123456789"), 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			echo := newEcho()
			var bad atomic.Value
			echo.check = func(in conn.Chunk) {
				if len(in.Data) == 0 || len(in.Data) > rxSize || !in.First || !in.Final || in.Type != conn.Binary || in.Addr != nil {
					bad.Store(in)
				}
			}
			client, _ := startSocket(t, []byte(tt.first), echo, &conn.Options{RxBufferSize: rxSize})
			if _, err := client.Write(tt.send); err != nil {
				t.Fatal(err)
			}
			want := tt.first + string(tt.send)
			got := make([]byte, len(want))
			client.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(client, got); err != nil {
				t.Fatalf("read echo: %v", err)
			}
			if string(got) != want {
				t.Fatalf("echo %q, want %q", got, want)
			}
			if v := bad.Load(); v != nil {
				t.Fatalf("bad chunk %+v", v)
			}
		})
	}
}

func TestSocketPeerCloseEndsOnce(t *testing.T) {
	echo := newEcho()
	client, c := startSocket(t, nil, echo, nil)
	client.Close()
	if err := recvCause(t, echo.cause); !errors.Is(err, io.EOF) {
		t.Fatalf("Closed with %v, want EOF", err)
	}
	waitDone(t, c)
	if n := echo.closes.Load(); n != 1 {
		t.Fatalf("Closed ran %d times", n)
	}
}

// TestSocketAbortFromAnyGoroutine closes a connection from many goroutines
// at once while the peer writes: Closed runs once and the peer sees the end.
func TestSocketAbortFromAnyGoroutine(t *testing.T) {
	echo := newEcho()
	client, c := startSocket(t, nil, echo, nil)
	if _, err := client.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if i%2 == 0 {
				c.Transport().Abort()
			} else {
				c.Close(conn.StatusNormal, "")
			}
		})
	}
	wg.Wait()
	waitDone(t, c)
	recvCause(t, echo.cause)
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, client); err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
		t.Fatalf("peer read after close: %v", err)
	}
	if n := echo.closes.Load(); n != 1 {
		t.Fatalf("Closed ran %d times", n)
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && !oe.Timeout()
}

// TestSocketRxOffStallsPeer checks rx flow control on a raw socket: with rx
// off the engine reads nothing, the kernel buffers fill and the peer's
// writes block; turning rx on delivers every byte in order.
func TestSocketRxOffStallsPeer(t *testing.T) {
	const (
		total = 32 << 20
		// What the kernel buffers hold on loopback while nobody reads: the
		// sender's send buffer (tcp_wmem max, 4 MiB by default) and the
		// receiver's receive buffer, which autotuning does not grow while
		// the application reads nothing. The bound leaves room for larger
		// buffers yet is well below the 32 MiB the peer tries to send.
		stallBound = 16 << 20
	)
	var received atomic.Int64
	var offReceive atomic.Int32
	var outOfOrder atomic.Int64 // offset of the first wrong byte, plus one
	closed := make(chan error, 1)
	sess := &session{
		established: func(c *conn.Conn) error { c.SetRx(false); return nil },
		receive: func(c *conn.Conn, in conn.Chunk) error {
			if !c.RxOn() {
				offReceive.Add(1)
			}
			off := received.Load()
			for i, b := range in.Data {
				if b != byte(off+int64(i)) && outOfOrder.Load() == 0 {
					outOfOrder.Store(off + int64(i) + 1)
				}
			}
			received.Add(int64(len(in.Data)))
			return nil
		},
		closed: func(_ *conn.Conn, err error) { closed <- err },
	}
	client, c := startSocket(t, nil, sess, nil)

	var sent atomic.Int64
	wrote := make(chan error, 1)
	go func() {
		p := make([]byte, 64<<10)
		for i := range p {
			p[i] = byte(i)
		}
		for sent.Load() < total {
			n, err := client.Write(p)
			sent.Add(int64(n))
			if err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	stalled := testwait.Stall(t, "bytes the peer sent with rx off", sent.Load, 300*time.Millisecond, 20*time.Second)
	if stalled >= stallBound {
		t.Fatalf("peer sent %d bytes with rx off; want fewer than %d", stalled, stallBound)
	}
	if r := received.Load(); r != 0 {
		t.Fatalf("%d bytes delivered with rx off", r)
	}
	t.Logf("rx off: the peer stalled after %d bytes", stalled)

	c.SetRx(true)
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("peer still blocked 30 s after rx on (sent %d)", sent.Load())
	}
	client.Close()
	if err := recvCause(t, closed); !errors.Is(err, io.EOF) {
		t.Fatalf("Closed with %v, want EOF", err)
	}
	if off := outOfOrder.Load(); off != 0 {
		t.Fatalf("byte %d arrived out of order", off-1)
	}
	if got := received.Load(); got != sent.Load() {
		t.Fatalf("received %d of %d bytes", got, sent.Load())
	}
	if n := offReceive.Load(); n != 0 {
		t.Fatalf("%d Receive calls with rx off", n)
	}
}
