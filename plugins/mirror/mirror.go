// Package mirror is the lws-mirror protocol plugin of the lws test server:
// what one client sends, every client of the same mirror instance receives
// (the sender too), as the shared drawing canvas of the test page does.
// Clients choose an instance with the query parameter "mirror" (none means
// the default instance).
//
// Fan-out goes through a hub topic per instance ("mirror-" and the
// instance's name) with a subscription per client: a message is stored once
// per node and each client sends it from its own tail when its peer can take
// it. By default (policy skip) a client that falls more than RingSize
// messages behind skips ahead to the oldest message still held and is told
// how many it missed by Skipped; it never blocks the others and never makes
// the server hold more than the ring. Message type is kept (binary stays
// binary) and each message is sent in the pieces it arrived in; a message
// that arrived whole goes out as one conn.Prepared, compressed once for all
// clients that compress without context takeover.
//
// The per-vhost protocol options (lwsws "ws-protocols") choose the hub: see
// hub.FromConfig. "ring-policy": "block" makes the mirror lossless (a
// sender's rx is turned off while the slowest client is a ring behind), and
// "backend": "nats" with the natshub keys shares every instance with the
// mirrors of other golws processes, when the program imports hub/natshub.
package mirror

import (
	"sync"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
	"github.com/golws/lws/hub"
)

// Name is the protocol's name, the WebSocket subprotocol.
const Name = "lws-mirror-protocol"

const (
	// RingSize is how many messages an instance holds for slow clients,
	// unless the "ring-size" option says otherwise.
	RingSize = 128
	// MaxMessage is the largest message a client may send; a larger one
	// closes its connection with 1009.
	MaxMessage = 64 << 10
)

// Protocol is the registered lws-mirror protocol.
var Protocol = &lws.Protocol{
	Name:         Name,
	RxBufferSize: 4096,
	Init: func(vp *lws.VhostProtocol) error {
		h, err := hub.FromConfig(vp.Options, hub.Options{Size: RingSize, Policy: flow.Skip})
		if err != nil {
			return err
		}
		vp.State = &instances{hub: h, byName: map[string]*instance{}}
		return nil
	},
	Destroy: func(vp *lws.VhostProtocol) {
		if is, ok := vp.State.(*instances); ok {
			is.hub.Close()
		}
	},
	NewSession: newSession,
}

func init() { lws.Register(Protocol) }

// instance is one mirror: its topic and the connections reading it.
type instance struct {
	name    string
	topic   *hub.Topic
	members map[*conn.Conn]struct{}
}

// instances are the mirrors of one vhost.
type instances struct {
	hub    *hub.Hub
	mu     sync.Mutex
	byName map[string]*instance
}

// join adds c to the instance called name, opening its topic if c is the
// first member on this node.
func (is *instances) join(name string, c *conn.Conn) (*instance, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	in := is.byName[name]
	if in == nil {
		t, err := is.hub.Topic("mirror-" + name)
		if err != nil {
			return nil, err
		}
		in = &instance{name: name, topic: t, members: map[*conn.Conn]struct{}{}}
		is.byName[name] = in
	}
	in.members[c] = struct{}{}
	return in, nil
}

func (is *instances) leave(in *instance, c *conn.Conn) {
	is.mu.Lock()
	defer is.mu.Unlock()
	delete(in.members, c)
	if len(in.members) == 0 {
		delete(is.byName, in.name)
		in.topic.Close()
	}
}

// Instances reports the live mirror instances of vp and their member
// counts on this node, for status pages.
func Instances(vp *lws.VhostProtocol) map[string]int {
	is, ok := vp.State.(*instances)
	if !ok {
		return nil
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	out := make(map[string]int, len(is.byName))
	for name, in := range is.byName {
		out[name] = len(in.members)
	}
	return out
}

// HubStats reports the counters of vp's hub.
func HubStats(vp *lws.VhostProtocol) hub.Stats {
	is, ok := vp.State.(*instances)
	if !ok {
		return hub.Stats{}
	}
	return is.hub.Stats()
}
