package conn_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws/conn"
)

// timedChunk is a received chunk and when Receive got it.
type timedChunk struct {
	chunkRec
	at time.Time
}

// TestReceivedFragmentsStream checks that a message's data reaches Receive
// as it arrives: a text message sent as three fragments 300 ms apart is
// delivered fragment by fragment, each within 100 ms of being sent, not
// held until the message ends or the rx buffer fills. This holds for a
// fragment far smaller than the rx buffer (100 bytes against 4 KiB) and for
// fragments that span several chunks of a small buffer. The chunks still
// obey the usual rules (First, Final, type, size) and reassemble the
// message.
func TestReceivedFragmentsStream(t *testing.T) {
	const (
		gap    = 300 * time.Millisecond
		within = 100 * time.Millisecond
	)
	tests := []struct {
		name   string
		rxSize int // 0: the default
		frags  []int
	}{
		{name: "small fragments, default buffer", frags: []int{10, 20, 30}},
		{name: "100-byte fragments, 4 KiB buffer", rxSize: 4096, frags: []int{100, 100, 100}},
		{name: "fragments spanning chunks", rxSize: 16, frags: []int{40, 5, 33}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rxSize := tt.rxSize
			if rxSize == 0 {
				rxSize = conn.DefaultRxBufferSize
			}
			chunks := make(chan timedChunk, 64)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{
					receive: func(c *conn.Conn, in conn.Chunk) error {
						chunks <- timedChunk{chunkRec{in.Type, bytes.Clone(in.Data), in.First, in.Final}, time.Now()}
						return nil
					},
				}
			}, conn.Options{RxBufferSize: tt.rxSize})
			rc := dialRaw(t, s, "")

			total := 0
			for _, n := range tt.frags {
				total += n
			}
			msg := pattern(total)
			sentAt := make([]time.Time, len(tt.frags))
			sendDone := make(chan error, 1)
			go func() {
				off := 0
				next := time.Now()
				for i, n := range tt.frags {
					time.Sleep(time.Until(next)) // the gap between fragments is the timing under test
					op := byte(0)
					if i == 0 {
						op = 1
					}
					sentAt[i] = time.Now()
					next = sentAt[i].Add(gap)
					if err := rc.writeFrame(i == len(tt.frags)-1, op, msg[off:off+n]); err != nil {
						sendDone <- err
						return
					}
					off += n
				}
				sendDone <- nil
			}()

			var got []chunkRec
			var arrivals []timedChunk
			delivered := 0
			ctx := testCtx(t)
			for delivered < total {
				select {
				case ch := <-chunks:
					got = append(got, ch.chunkRec)
					arrivals = append(arrivals, ch)
					delivered += len(ch.data)
				case <-ctx.Done():
					t.Fatalf("%d of %d bytes delivered", delivered, total)
				}
			}
			if err := <-sendDone; err != nil {
				t.Fatal(err)
			}
			checkChunks(t, got, conn.Text, msg, rxSize)

			// When was each fragment's last byte delivered?
			var lags []time.Duration
			late := false
			end, sum, k := 0, 0, 0
			for i, n := range tt.frags {
				end += n
				for sum < end {
					sum += len(arrivals[k].data)
					k++
				}
				lag := arrivals[k-1].at.Sub(sentAt[i])
				lags = append(lags, lag.Round(time.Millisecond))
				if lag > within {
					late = true
				}
			}
			if late {
				t.Fatalf("fragments sent %v apart were delivered %v after being sent, want each within %v", gap, lags, within)
			}
			t.Logf("fragments delivered %v after being sent", lags)
		})
	}
}

// TestInvalidUTF8InFragmentFoundPromptly checks that invalid UTF-8 in a
// text fragment that is not the message's last closes the connection with
// 1007 at once, before any later fragment is sent, not when the rx buffer
// fills or the message ends.
func TestInvalidUTF8InFragmentFoundPromptly(t *testing.T) {
	const within = 500 * time.Millisecond
	tests := []struct {
		name   string
		rxSize int
		frags  []string // non-final fragments; the last holds the invalid text
	}{
		{name: "invalid byte", frags: []string{"ab\xffcd"}},
		{name: "surrogate", frags: []string{"ab\xed\xa0\x80cd"}},
		{name: "overlong after a valid fragment", frags: []string{"hello ", "\xc0\xaf"}},
		{name: "invalid byte, 16-byte buffer", rxSize: 16, frags: []string{"abc\xff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan error, 1)
			s := startServer(t, func(*conn.Conn) conn.Session {
				return &funcSession{closed: func(_ *conn.Conn, err error) { closed <- err }}
			}, conn.Options{RxBufferSize: tt.rxSize})
			rc := dialRaw(t, s, "")
			var sent time.Time
			for i, p := range tt.frags {
				op := byte(0)
				if i == 0 {
					op = 1
				}
				sent = time.Now()
				if err := rc.writeFrame(false, op, []byte(p)); err != nil {
					t.Fatal(err)
				}
			}
			// No later fragment: the message stays unfinished.
			rc.SetReadDeadline(sent.Add(within))
			for {
				f, err := rc.readFrame()
				if err != nil {
					t.Fatalf("no close frame within %v of the invalid fragment: %v", within, err)
				}
				if f.opcode != 8 {
					continue
				}
				code := 1005
				if len(f.payload) >= 2 {
					code = int(f.payload[0])<<8 | int(f.payload[1])
				}
				if code != 1007 {
					t.Fatalf("close code %d, want 1007", code)
				}
				t.Logf("closed with 1007 %v after the invalid fragment", time.Since(sent).Round(time.Millisecond))
				rc.writeFrame(true, 8, f.payload)
				break
			}
			select {
			case err := <-closed:
				if !errors.Is(err, conn.ErrInvalidUTF8) {
					t.Fatalf("Closed got %v, want ErrInvalidUTF8", err)
				}
			case <-testCtx(t).Done():
				t.Fatal("Closed did not run")
			}
		})
	}
}

// TestSentFragmentsStream checks that each fragment a session writes goes
// on the wire when it is written: a session writes a message as five
// fragments 200 ms apart, one per Writeable (a timer goroutine asks for
// each), and the client must read each fragment's frame within 100 ms of
// its WriteFragment, not all of them together when the last is written.
func TestSentFragmentsStream(t *testing.T) {
	const (
		parts  = 5
		gap    = 200 * time.Millisecond
		within = 100 * time.Millisecond
	)
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
			started := make(chan *conn.Conn, 1)
			var due atomic.Int32 // fragments the timer has asked for
			due.Store(1)
			writtenAt := make(chan time.Time, parts)
			s := startServer(t, func(*conn.Conn) conn.Session {
				n := 0
				return &funcSession{
					established: func(c *conn.Conn) error {
						started <- c
						c.RequestWritable()
						return nil
					},
					writeable: func(c *conn.Conn) error {
						if n >= int(due.Load()) {
							return nil // not asked for
						}
						at := time.Now()
						if err := c.WriteFragment(tt.typ, fmt.Appendf(nil, "part %d;", n), n == parts-1); err != nil {
							return err
						}
						n++
						writtenAt <- at
						return nil
					},
				}
			}, conn.Options{})
			rc := dialRaw(t, s, "")
			sc := <-started

			stop := make(chan struct{})
			timerDone := make(chan struct{})
			go func() {
				defer close(timerDone)
				for range parts - 1 {
					select {
					case <-time.After(gap): // the pace of the writes is the timing under test
					case <-stop:
						return
					}
					due.Add(1)
					sc.RequestWritable()
				}
			}()
			defer func() {
				close(stop)
				<-timerDone
			}()

			// Read the message's frames, noting when each arrived. The
			// frames need not match the fragments one for one (an empty
			// final frame may follow the last data, say), but each
			// fragment's bytes must arrive promptly.
			type timedFrame struct {
				frame
				at time.Time
			}
			var frames []timedFrame
			var payload []byte
			rc.SetReadDeadline(time.Now().Add(5 * time.Second))
			for len(frames) == 0 || !frames[len(frames)-1].fin {
				f, err := rc.readFrame()
				if err != nil {
					t.Fatalf("after %d frames (%q): %v", len(frames), payload, err)
				}
				wantOp := byte(0)
				if len(frames) == 0 {
					wantOp = tt.opcode
				}
				if f.opcode != wantOp {
					t.Fatalf("frame %d: opcode %d, want %d", len(frames), f.opcode, wantOp)
				}
				frames = append(frames, timedFrame{f, time.Now()})
				payload = append(payload, f.payload...)
			}
			var want []byte
			for i := range parts {
				want = fmt.Appendf(want, "part %d;", i)
			}
			if !bytes.Equal(payload, want) {
				t.Fatalf("message %q, want %q", payload, want)
			}
			var lags []time.Duration
			late := false
			end, sum, k := 0, 0, 0
			for i := range parts {
				var at time.Time
				select {
				case at = <-writtenAt:
				case <-time.After(5 * time.Second):
					t.Fatalf("fragment %d arrived but its WriteFragment did not return", i)
				}
				end += len(fmt.Sprintf("part %d;", i))
				for sum < end {
					sum += len(frames[k].payload)
					k++
				}
				lag := frames[k-1].at.Sub(at)
				lags = append(lags, lag.Round(time.Millisecond))
				if lag > within {
					late = true
				}
			}
			if late {
				t.Fatalf("fragments written %v apart reached the client %v after being written, want each within %v", gap, lags, within)
			}
			t.Logf("fragments reached the client %v after being written", lags)
		})
	}
}
