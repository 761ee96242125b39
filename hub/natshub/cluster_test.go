package natshub

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

// node is one golws node of an in-process test: its backend and hub.
type node struct {
	b *Backend
	h *hub.Hub
}

func newNode(t *testing.T, o Options, ho hub.Options) *node {
	t.Helper()
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ho.Backend = b
	n := &node{b: b, h: hub.New(ho)}
	t.Cleanup(func() {
		n.h.Close()
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return n
}

// cluster starts n nodes with embedded servers routed to the first.
func cluster(t *testing.T, n int, ho hub.Options, tune func(*Options)) []*node {
	t.Helper()
	var nodes []*node
	for i := range n {
		o := Options{Name: fmt.Sprintf("n%d", i), ClusterListen: "127.0.0.1:0"}
		if i > 0 {
			o.Routes = []string{nodes[0].b.ClusterAddr().String()}
		}
		if tune != nil {
			tune(&o)
		}
		nodes = append(nodes, newNode(t, o, ho))
	}
	waitUntil(t, "routes between all nodes", func() bool {
		for _, nd := range nodes {
			if nd.b.Routes() < n-1 {
				return false
			}
		}
		return true
	})
	return nodes
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ready publishes probes from pub until every subscription has seen one
// (NATS interest has spread across the cluster), then a fence, and drains
// every subscription up to the fence: later probes cannot follow it, as
// NATS keeps a publisher's order.
func ready(t *testing.T, pub *hub.Topic, subs []*hub.Subscription) {
	t.Helper()
	seen := make([]bool, len(subs))
	waitUntil(t, "subscriptions across the cluster", func() bool {
		pub.TryPublish(hub.NewMessage(conn.Text, []byte("probe")))
		all := true
		for i, s := range subs {
			for !seen[i] {
				if _, ok := s.Next(); !ok {
					break
				}
				seen[i] = true
			}
			all = all && seen[i]
		}
		return all
	})
	pub.TryPublish(hub.NewMessage(conn.Text, []byte("fence")))
	for _, s := range subs {
		waitUntil(t, "the fence", func() bool {
			for {
				m, ok := s.Next()
				if !ok || string(m.Data) == "fence" {
					return ok
				}
			}
		})
	}
}

func TestClusterFanOutKeepsPublisherOrder(t *testing.T) {
	nodes := cluster(t, 3, hub.Options{Size: 1024}, nil)
	var topics []*hub.Topic
	var subs []*hub.Subscription
	for _, nd := range nodes {
		tp, err := nd.h.Topic("canvas")
		if err != nil {
			t.Fatal(err)
		}
		defer tp.Close()
		topics = append(topics, tp)
		for range 2 {
			s := tp.Subscribe(nil)
			defer s.Close()
			subs = append(subs, s)
		}
	}
	ready(t, topics[0], subs)
	// Two publishers on different nodes: each one's order holds everywhere.
	const n = 300
	for i := range n {
		for p := range 2 {
			if err := topics[p].TryPublish(hub.NewMessage(conn.Text, fmt.Appendf(nil, "%d %d", p, i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	for si, s := range subs {
		next := [2]int{}
		for next[0] < n || next[1] < n {
			m, ok := s.Next()
			if !ok {
				waitUntil(t, fmt.Sprintf("subscriber %d at %v", si, next), func() bool { return s.Lag() > 0 })
				continue
			}
			var p, i int
			if _, err := fmt.Sscanf(string(m.Data), "%d %d", &p, &i); err != nil {
				t.Fatalf("subscriber %d: %q", si, m.Data)
			}
			if i != next[p] {
				t.Fatalf("subscriber %d: publisher %d message %d, want %d", si, p, i, next[p])
			}
			next[p]++
		}
	}
	for i, nd := range nodes {
		if st := nd.b.Stats(); st.SlowConsumerDrops != 0 || st.Malformed != 0 || st.PublishErrors != 0 {
			t.Errorf("node %d: %+v", i, st)
		}
	}
}

func TestNodeWithoutEmbeddedServerUsesURLs(t *testing.T) {
	a := newNode(t, Options{Name: "a", Listen: "127.0.0.1:0"}, hub.Options{})
	b := newNode(t, Options{Name: "b", URLs: []string{a.b.ClientURL()}}, hub.Options{})
	if b.b.ClientURL() != "" || b.b.Routes() != 0 || !b.b.Connected() {
		t.Fatal("node b should only be a client")
	}
	ta, _ := a.h.Topic("x y") // a name that is no NATS token
	defer ta.Close()
	tb, _ := b.h.Topic("x y")
	defer tb.Close()
	sa, sb := ta.Subscribe(nil), tb.Subscribe(nil)
	defer sa.Close()
	defer sb.Close()
	ready(t, tb, []*hub.Subscription{sa, sb})
	ta.TryPublish(hub.NewMessage(conn.Binary, []byte{1, 2, 3}))
	for _, s := range []*hub.Subscription{sa, sb} {
		waitUntil(t, "the message", func() bool { return s.Lag() > 0 })
		if m, _ := s.Next(); m.Type != conn.Binary || string(m.Data) != "\x01\x02\x03" {
			t.Fatalf("got %v %q", m.Type, m.Data)
		}
	}
}

// TestStalledSubscriberStaysBounded stalls one node's only subscriber on a
// lossless topic, so that node's delivery waits for room: NATS's pending
// limits then drop, counted as a slow consumer, and the node's heap stays
// bounded however much the other node publishes. A skip topic never
// stalls delivery at all.
func TestStalledSubscriberStaysBounded(t *testing.T) {
	const size, msgSize, n = 16, 4 << 10, 5000
	for _, policy := range []flow.Policy{flow.Block, flow.Skip} {
		t.Run(policy.String(), func(t *testing.T) {
			nodes := cluster(t, 2, hub.Options{Size: size, Policy: policy}, func(o *Options) {
				o.PendingMsgs, o.PendingBytes = 64, 64*msgSize*2
			})
			pubT, _ := nodes[0].h.Topic("t")
			defer pubT.Close()
			subT, _ := nodes[1].h.Topic("t")
			defer subT.Close()
			stalled := subT.Subscribe(nil)
			defer stalled.Close()
			probe := subT.Subscribe(nil)
			ready(t, pubT, []*hub.Subscription{probe})
			probe.Close()
			for stalled.Lag() > 0 {
				stalled.Next()
			}

			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			data := make([]byte, msgSize)
			// Publish straight through the backend, waiting when its queue
			// is full, so that every message reaches NATS.
			for range n {
				for !nodes[0].b.Publish("t", hub.NewMessage(conn.Binary, data)) {
					room := make(chan struct{})
					nodes[0].b.OnRoom(func() { close(room) })
					<-room
				}
			}
			waitUntil(t, "the subscriber's node to account for every message", func() bool {
				st := nodes[1].b.Stats()
				return st.Received+st.Dropped+st.Pending >= n+2 // and the probe and fence
			})
			// What NATS still has in flight drains; nothing proportional to
			// the messages published stays.
			limit := int64(4 * (size + 64 + 64) * msgSize)
			var grown int64
			waitUntil(t, "the heap to settle", func() bool {
				runtime.GC()
				runtime.GC() // and what sync.Pools kept through the first
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				grown = int64(after.HeapInuse) - int64(before.HeapInuse)
				return grown < limit
			})
			if lag := stalled.Lag(); lag > size {
				t.Fatalf("stalled subscriber's lag %d above the ring's %d", lag, size)
			}
			slow := nodes[1].b.Stats().SlowConsumerDrops
			if policy == flow.Block && slow == 0 {
				t.Fatal("lossless topic stalled but NATS reported no slow consumer")
			}
			if policy == flow.Skip && stalled.Skipped() == 0 {
				t.Fatalf("skip topic: nothing skipped (%d slow-consumer events)", slow)
			}
		})
	}
}
