package hub_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

func msg(s string) *hub.Message { return hub.NewMessage(conn.Text, []byte(s)) }

func drain(s *hub.Subscription) []string {
	var out []string
	for {
		m, ok := s.Next()
		if !ok {
			return out
		}
		out = append(out, string(m.Data))
	}
}

func open(t *testing.T, h *hub.Hub, name string) *hub.Topic {
	t.Helper()
	tp, err := h.Topic(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tp.Close)
	return tp
}

func TestTopicFanOut(t *testing.T) {
	for _, p := range []flow.Policy{flow.Skip, flow.Drop, flow.Block} {
		t.Run(p.String(), func(t *testing.T) {
			h := hub.New(hub.Options{Size: 8, Policy: p})
			defer h.Close()
			tp, other := open(t, h, "room"), open(t, h, "elsewhere")
			var woke atomic.Int32
			a, b := tp.Subscribe(func() { woke.Add(1) }), tp.Subscribe(nil)
			c := other.Subscribe(nil)
			defer a.Close()
			defer b.Close()
			defer c.Close()
			for i := range 5 {
				if err := tp.TryPublish(msg(fmt.Sprint(i))); err != nil {
					t.Fatal(err)
				}
			}
			want := "0 1 2 3 4"
			for _, s := range []*hub.Subscription{a, b} {
				if got := strings.Join(drain(s), " "); got != want {
					t.Fatalf("subscriber got %q, want %q", got, want)
				}
			}
			if got := drain(c); got != nil {
				t.Fatalf("another topic's subscriber got %q", got)
			}
			if woke.Load() != 5 {
				t.Fatalf("wake ran %d times for 5 messages", woke.Load())
			}
			if st := h.Stats(); st.Published != 5 || st.Delivered != 5 || st.Lost != 0 {
				t.Fatalf("stats %+v", st)
			}
			if got := h.Topics(); got["room"] != 2 || got["elsewhere"] != 1 {
				t.Fatalf("Topics = %v", got)
			}
		})
	}
}

func TestSlowSubscriberGetsThePolicy(t *testing.T) {
	const size, n = 4, 10
	tests := []struct {
		policy   flow.Policy
		slowGets string
		skipped  uint64
		dropped  bool
		refused  int // TryPublish calls that returned ErrFull
	}{
		{flow.Skip, "6 7 8 9", 6, false, 0},
		{flow.Drop, "", 0, true, 0},
		{flow.Block, "0 1 2 3", 0, false, n - size},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			h := hub.New(hub.Options{Size: size, Policy: tt.policy})
			defer h.Close()
			tp := open(t, h, "t")
			slow, fast := tp.Subscribe(nil), tp.Subscribe(nil)
			defer slow.Close()
			defer fast.Close()
			refused := 0
			for i := range n {
				err := tp.TryPublish(msg(fmt.Sprint(i)))
				if errors.Is(err, hub.ErrFull) {
					refused++
				} else if err != nil {
					t.Fatal(err)
				}
				drain(fast)
			}
			if refused != tt.refused {
				t.Fatalf("%d publishes refused, want %d", refused, tt.refused)
			}
			if got := strings.Join(drain(slow), " "); got != tt.slowGets {
				t.Fatalf("slow subscriber got %q, want %q", got, tt.slowGets)
			}
			if slow.Skipped() != tt.skipped || slow.Dropped() != tt.dropped {
				t.Fatalf("skipped %d dropped %v", slow.Skipped(), slow.Dropped())
			}
		})
	}
}

// rxRecorder is an RxSwitch that records what its connection would be told.
type rxRecorder struct {
	mu  sync.Mutex
	on  bool
	off int // times turned off
}

func (r *rxRecorder) SetRx(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !on {
		r.off++
	}
	r.on = on
}

func (r *rxRecorder) state() (bool, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.on, r.off
}

func TestPublisherHoldsRxBackUntilRoom(t *testing.T) {
	const size = 4
	h := hub.New(hub.Options{Size: size, Policy: flow.Block})
	defer h.Close()
	tp := open(t, h, "lossless")
	sub := tp.Subscribe(nil)
	defer sub.Close()
	rx := &rxRecorder{on: true}
	p := tp.NewPublisher(rx)
	defer p.Close()
	for i := range size {
		if err := p.Publish(msg(fmt.Sprint(i))); err != nil || p.Held() {
			t.Fatalf("publish %d: %v, held %v", i, err, p.Held())
		}
	}
	// The ring is full: the next message is held and rx goes off.
	if err := p.Publish(msg("4")); err != nil {
		t.Fatal(err)
	}
	if on, off := rx.state(); on || off != 1 || !p.Held() {
		t.Fatalf("rx on %v (off %d times), held %v: want held with rx off", on, off, p.Held())
	}
	if err := p.Publish(msg("5")); !errors.Is(err, hub.ErrFull) {
		t.Fatalf("publishing while held: %v, want ErrFull", err)
	}
	// Reading a quarter of the ring publishes the held message and turns
	// rx back on.
	if m, _ := sub.Next(); string(m.Data) != "0" {
		t.Fatalf("got %q", m.Data)
	}
	if on, _ := rx.state(); !on || p.Held() {
		t.Fatalf("after room: rx on %v, held %v", on, p.Held())
	}
	if got := strings.Join(drain(sub), " "); got != "1 2 3 4" {
		t.Fatalf("subscriber got %q: a message was lost or reordered", got)
	}
}

func TestPublishWaitsForRoom(t *testing.T) {
	h := hub.New(hub.Options{Size: 2, Policy: flow.Block})
	defer h.Close()
	tp := open(t, h, "t")
	sub := tp.Subscribe(nil)
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		for i := range 50 {
			if err := tp.Publish(ctx, msg(fmt.Sprint(i))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	next := 0
	for next < 50 {
		m, ok := sub.Next()
		if !ok {
			if ctx.Err() != nil {
				t.Fatal("publisher stuck")
			}
			time.Sleep(100 * time.Microsecond)
			continue
		}
		if string(m.Data) != fmt.Sprint(next) {
			t.Fatalf("got %q, want %d", m.Data, next)
		}
		next++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// A publisher waiting on a full topic gives up with its context.
	tp.TryPublish(msg("a"))
	tp.TryPublish(msg("b"))
	short, cancelShort := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancelShort()
	if err := tp.Publish(short, msg("c")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish on a full topic: %v", err)
	}
}

func TestTopicLifetime(t *testing.T) {
	h := hub.New(hub.Options{})
	a, _ := h.Topic("x")
	b, _ := h.Topic("x")
	s := a.Subscribe(nil)
	a.Close()
	a.Close()
	if h.Topics()["x"] != 1 {
		t.Fatalf("topic gone with a handle still open: %v", h.Topics())
	}
	b.TryPublish(msg("still here"))
	if got := drain(s); len(got) != 1 {
		t.Fatalf("got %q", got)
	}
	s.Close()
	b.Close()
	if len(h.Topics()) != 0 {
		t.Fatalf("Topics after last Close: %v", h.Topics())
	}
	h.Close()
	if _, err := h.Topic("y"); !errors.Is(err, hub.ErrClosed) {
		t.Fatalf("Topic on a closed hub: %v", err)
	}
	if err := b.TryPublish(msg("late")); !errors.Is(err, hub.ErrClosed) {
		t.Fatalf("TryPublish on a closed hub: %v", err)
	}
}

func TestMessagePreparedOnce(t *testing.T) {
	m := msg("hello")
	if m.Prepared() != m.Prepared() || m.Prepared().Type() != conn.Text || string(m.Prepared().Data()) != "hello" {
		t.Fatal("Prepared is not one shared form of the message")
	}
}
