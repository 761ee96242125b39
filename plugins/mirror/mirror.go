// Package mirror is the lws-mirror protocol plugin of the lws test server:
// what one client sends, every client of the same mirror instance receives
// (the sender too), as the shared drawing canvas of the test page does.
// Clients choose an instance with the query parameter "mirror" (none means
// the default instance).
//
// Fan-out goes through one bounded flow.Ring per instance with a tail per
// client: a message is stored once and each client sends it from its own
// tail when its peer can take it. A client that falls more than RingSize
// messages behind skips ahead to the oldest message still held (policy
// flow.Skip) and is told how many it missed by Skipped; it never blocks the
// others and never makes the server hold more than the ring. Message type is
// kept (binary stays binary) and each message is sent in the pieces it
// arrived in.
package mirror

import (
	"sync"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/flow"
)

// Name is the protocol's name, the WebSocket subprotocol.
const Name = "lws-mirror-protocol"

const (
	// RingSize is how many messages an instance holds for slow clients.
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
		vp.State = &instances{byName: map[string]*instance{}}
		return nil
	},
	NewSession: newSession,
}

func init() { lws.Register(Protocol) }

// message is one client message as it arrived: its type, bytes and the
// sizes of the chunks it came in.
type message struct {
	typ    conn.MessageType
	data   []byte
	pieces []int
}

// instance is one mirror: its ring and the connections reading it.
type instance struct {
	name    string
	ring    *flow.Ring[*message]
	members map[*conn.Conn]struct{}
}

// instances are the mirrors of one vhost.
type instances struct {
	mu     sync.Mutex
	byName map[string]*instance
}

func (is *instances) join(name string, c *conn.Conn) (*instance, *flow.Tail[*message]) {
	is.mu.Lock()
	defer is.mu.Unlock()
	in := is.byName[name]
	if in == nil {
		in = &instance{name: name, ring: flow.NewRing[*message](RingSize, flow.Skip), members: map[*conn.Conn]struct{}{}}
		is.byName[name] = in
	}
	in.members[c] = struct{}{}
	return in, in.ring.Subscribe()
}

func (is *instances) leave(in *instance, c *conn.Conn) {
	is.mu.Lock()
	defer is.mu.Unlock()
	delete(in.members, c)
	if len(in.members) == 0 {
		delete(is.byName, in.name)
	}
}

// publish stores m for every member and asks each for a writeable.
func (is *instances) publish(in *instance, m *message) {
	in.ring.Append(m)
	is.mu.Lock()
	members := make([]*conn.Conn, 0, len(in.members))
	for c := range in.members {
		members = append(members, c)
	}
	is.mu.Unlock()
	for _, c := range members {
		c.RequestWritable()
	}
}

// Instances reports the live mirror instances of vp and their member
// counts, for status pages.
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
