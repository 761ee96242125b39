package conn_test

import (
	"bytes"
	"testing"

	"github.com/golws/lws/conn"
)

// TestOutboxKeepsOrder checks that data and control frames leave an Outbox
// whole and in order across flushes, on a writer without a socket (as under
// TLS, where everything is kept for Flush): each flush sends the data kept,
// then the control frames kept (control frames go between data frames), and
// a drained buffer reused for data is never shared with control frames.
func TestOutboxKeepsOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // "d:…" data, "c:…" control frame, "f" flush
	}{
		{"data then control, flushed apart", []string{"d:DATA-1", "f", "c:PING-1", "f", "d:DATA-2", "c:PONG", "f"}},
		{"control first", []string{"c:PING", "d:DATA", "f"}},
		{"many rounds", []string{"d:A", "f", "c:B", "f", "d:C", "c:D", "f", "c:E", "f", "d:F", "d:G", "c:H", "f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			o := conn.NewOutbox(&w)
			var want, data, ctrl []byte
			for _, s := range tt.steps {
				switch {
				case s == "f":
					if err := o.Flush(); err != nil {
						t.Fatal(err)
					}
					want = append(append(want, data...), ctrl...)
					data, ctrl = nil, nil
				case s[0] == 'd':
					if _, err := o.Send([]byte(s[2:])); err != nil {
						t.Fatal(err)
					}
					data = append(data, s[2:]...)
				default:
					if _, err := o.SendControl([]byte(s[2:]), conn.ControlDroppable); err != nil {
						t.Fatal(err)
					}
					ctrl = append(ctrl, s[2:]...)
				}
			}
			if !bytes.Equal(w.Bytes(), want) {
				t.Fatalf("wire %q, want %q", w.Bytes(), want)
			}
			if o.Pending() {
				t.Fatal("pending after the last flush")
			}
		})
	}
}

// TestOutboxControlBacklog checks what waits behind pending output for a
// peer that reads nothing: pings past a small backlog are dropped, only the
// latest pong waits, and the close frame is always sent, last.
func TestOutboxControlBacklog(t *testing.T) {
	var w bytes.Buffer
	o := conn.NewOutbox(&w)
	ping := bytes.Repeat([]byte{'i'}, 127)
	for i := range 20 {
		o.SendControl(ping, conn.ControlDroppable)
		o.SendControl([]byte{'p', byte('a' + i)}, conn.ControlLatest)
	}
	o.SendControl([]byte("CLOSE"), conn.ControlMust)
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	got := w.Bytes()
	if len(got) >= 20*len(ping) {
		t.Fatalf("%d bytes of pings kept: the backlog is not bounded", len(got))
	}
	if !bytes.HasPrefix(got, []byte{'p', 'a' + 19}) || bytes.Count(got, []byte{'p'}) != 1 {
		t.Fatalf("pongs sent: want only the latest, first: %q", got[:min(len(got), 8)])
	}
	if !bytes.HasSuffix(got, []byte("CLOSE")) {
		t.Fatal("the close frame was dropped or not last")
	}
}
