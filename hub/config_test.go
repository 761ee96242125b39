package hub_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

// loopBackend is an in-process Backend that delivers every message, at
// once, to every topic of that name of every hub sharing it: nodes in one
// process.
type loopBackend struct {
	mu     sync.Mutex
	subs   map[string]map[*func(*hub.Message)]bool
	closed int
}

func (b *loopBackend) Subscribe(topic string, deliver func(*hub.Message)) (func(), error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[*func(*hub.Message)]bool{}
	}
	key := &deliver
	b.subs[topic][key] = true
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs[topic], key)
	}, nil
}

func (b *loopBackend) Publish(topic string, m *hub.Message) bool {
	b.mu.Lock()
	var ds []func(*hub.Message)
	for d := range b.subs[topic] {
		ds = append(ds, *d)
	}
	b.mu.Unlock()
	for _, d := range ds {
		d(m)
	}
	return true
}

func (b *loopBackend) OnRoom(f func()) { f() }

func (b *loopBackend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed++
	return nil
}

var loops = struct {
	sync.Mutex
	made []*loopBackend
}{}

func init() {
	hub.RegisterBackend("loop", func(opts map[string]string) (hub.Backend, error) {
		loops.Lock()
		defer loops.Unlock()
		b := &loopBackend{subs: map[string]map[*func(*hub.Message)]bool{}}
		loops.made = append(loops.made, b)
		return b, nil
	})
}

func TestFromConfig(t *testing.T) {
	tests := []struct {
		name   string
		opts   map[string]string
		size   int
		policy flow.Policy
		remote bool
		err    string
	}{
		{"defaults", nil, 32, flow.Drop, false, ""},
		{"local", map[string]string{"backend": "local", "ring-size": "8", "ring-policy": "block"}, 8, flow.Block, false, ""},
		{"ignores other keys", map[string]string{"default": "1", "ring-policy": "Skip"}, 32, flow.Skip, false, ""},
		{"registered backend", map[string]string{"backend": "loop"}, 32, flow.Drop, true, ""},
		{"bad size", map[string]string{"ring-size": "0"}, 0, 0, false, "positive integer"},
		{"bad policy", map[string]string{"ring-policy": "lossy"}, 0, 0, false, "unknown policy"},
		{"unknown backend", map[string]string{"backend": "redis"}, 0, 0, false, `unknown backend "redis"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := hub.FromConfig(tt.opts, hub.Options{Size: 32, Policy: flow.Drop})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			if h.Size() != tt.size || h.Policy() != tt.policy || h.Remote() != tt.remote {
				t.Fatalf("size %d policy %v remote %v", h.Size(), h.Policy(), h.Remote())
			}
		})
	}
}

func TestConfiguredBackendIsSharedAndFansOutAcrossHubs(t *testing.T) {
	loops.Lock()
	before := len(loops.made)
	loops.Unlock()
	opts := map[string]string{"backend": "loop", "loop-id": "shared"}
	h1, err := hub.FromConfig(opts, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h2, err := hub.FromConfig(map[string]string{"backend": "loop", "loop-id": "shared", "ring-size": "4"}, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h3, err := hub.FromConfig(map[string]string{"backend": "loop", "loop-id": "another"}, hub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	loops.Lock()
	made := loops.made[before:]
	loops.Unlock()
	if len(made) != 2 {
		t.Fatalf("%d backends made for two distinct configurations", len(made))
	}
	t1, _ := h1.Topic("news")
	t2, _ := h2.Topic("news")
	s1, s2 := t1.Subscribe(nil), t2.Subscribe(nil)
	t1.TryPublish(msg("from node 1"))
	t2.TryPublish(msg("from node 2"))
	for i, s := range []*hub.Subscription{s1, s2} {
		if got := strings.Join(drain(s), ","); got != "from node 1,from node 2" {
			t.Fatalf("hub %d got %q", i+1, got)
		}
	}
	s1.Close()
	s2.Close()
	t1.Close()
	t2.Close()
	h1.Close()
	if made[0].closed != 0 {
		t.Fatal("shared backend closed while another hub uses it")
	}
	h2.Close()
	h3.Close()
	if made[0].closed != 1 || made[1].closed != 1 {
		t.Fatalf("backends closed %d and %d times, want once each", made[0].closed, made[1].closed)
	}
}
