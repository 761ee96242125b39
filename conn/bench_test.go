package conn_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golws/lws/conn"
)

// memTransport is an in-memory transport: input is always ready, output is
// counted. It measures the engine's own cost per message, with no network.
type memTransport struct {
	msg     []byte
	left    atomic.Int64 // messages still to read
	writes  atomic.Int64
	want    int64
	done    chan struct{}
	closed  chan struct{}
	onceEnd sync.Once
}

func (t *memTransport) ReadChunk(buf func() []byte) (conn.Chunk, error) {
	if t.left.Add(-1) < 0 {
		<-t.closed
		return conn.Chunk{}, conn.ErrClosed
	}
	b := buf()
	n := copy(b, t.msg)
	return conn.Chunk{Type: conn.Binary, Data: b[:n], First: true, Final: true}, nil
}

func (t *memTransport) Write(typ conn.MessageType, p []byte, final bool) error {
	if t.writes.Add(1) == t.want {
		close(t.done)
	}
	return nil
}

// sender is memTransport as a Sender, like a socket whose kernel takes
// every write at once.
type sender struct{ *memTransport }

func (t sender) Send(typ conn.MessageType, p []byte, final bool) (bool, error) {
	return false, t.Write(typ, p, final)
}
func (sender) Flush() error  { return nil }
func (sender) Pending() bool { return false }

func (t *memTransport) Close(conn.StatusCode, string) error { t.Abort(); return nil }
func (t *memTransport) Abort()                              { t.onceEnd.Do(func() { close(t.closed) }) }

// BenchmarkEngineEcho is one message through the engine: read, Receive,
// the writeable it asks for, and the write, on a Sender (sockets: the write
// is made in the callback) and on a plain Transport (the engine copies the
// write and its service goroutine makes it).
func BenchmarkEngineEcho(b *testing.B) {
	for _, tc := range []struct {
		name string
		wrap func(*memTransport) conn.Transport
	}{
		{"sender", func(t *memTransport) conn.Transport { return sender{t} }},
		{"copied", func(t *memTransport) conn.Transport { return t }},
	} {
		for _, size := range []int{64, 4096} {
			benchEngineEcho(b, tc.name, size, tc.wrap)
		}
	}
}

func benchEngineEcho(b *testing.B, name string, size int, wrap func(*memTransport) conn.Transport) {
	{
		b.Run(fmt.Sprintf("%s/%dB", name, size), func(b *testing.B) {
			t := &memTransport{msg: make([]byte, size), want: int64(b.N),
				done: make(chan struct{}), closed: make(chan struct{})}
			t.left.Store(int64(b.N))
			var set conn.Set
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			conn.Start(wrap(t), nil, newEcho, &conn.Options{Set: &set})
			<-t.done
			b.StopTimer()
			set.CloseAll(conn.StatusNormal, "")
			set.Wait(testCtxB(b))
		})
	}
}
