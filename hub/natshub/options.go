package natshub

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options configure a NATS backend.
type Options struct {
	// URLs are the NATS servers to connect to (nats://host:port). Empty
	// means the embedded server, which Listen or ClusterListen must then
	// start.
	URLs []string
	// Listen, host:port, runs an embedded NATS server taking client
	// connections there (port 0: any free port). Other programs, and nodes
	// that do not embed a server, connect to it.
	Listen string
	// ClusterListen, host:port, runs an embedded NATS server (even without
	// Listen: its clients then have a free loopback port) accepting routes
	// from the other nodes' embedded servers.
	ClusterListen string
	// Routes are the cluster addresses (host:port or nats-route://host:port)
	// of other nodes' embedded servers to join. Listing every node,
	// this one included, on every node is fine: a server ignores a route
	// to itself, and the cluster learns its members from any one of them.
	Routes []string
	// ClusterName names the NATS cluster; empty means "golws".
	ClusterName string
	// Name names this node's embedded server and NATS connection.
	Name string
	// Prefix begins every subject; empty means "golws.hub.". Nodes sharing
	// topics must use the same prefix.
	Prefix string
	// QueueSize bounds the messages waiting to be sent to NATS; zero means
	// 1024. A full queue refuses Publish.
	QueueSize int
	// PendingMsgs and PendingBytes bound each topic subscription's buffer
	// of received messages not yet appended to the topic's ring; zero
	// means 4096 messages and 16 MiB. Beyond them NATS drops (a slow
	// consumer) and Stats counts it.
	PendingMsgs, PendingBytes int
	// ReconnectWait is the pause between reconnection attempts to NATS;
	// zero means 250 ms. Attempts never stop while the backend is open.
	ReconnectWait time.Duration
}

// Configuration keys of the "nats" backend, read by Config from a string
// map (a protocol's per-vhost options, the lwsws JSON). Lists are comma
// separated.
const (
	KeyURLs          = "nats-urls"           // Options.URLs
	KeyListen        = "nats-listen"         // Options.Listen
	KeyClusterListen = "nats-cluster-listen" // Options.ClusterListen
	KeyRoutes        = "nats-routes"         // Options.Routes
	KeyClusterName   = "nats-cluster-name"   // Options.ClusterName
	KeyName          = "nats-name"           // Options.Name
	KeyPrefix        = "nats-prefix"         // Options.Prefix
	KeyQueueSize     = "nats-queue"          // Options.QueueSize
	KeyPendingMsgs   = "nats-pending-msgs"   // Options.PendingMsgs
	KeyPendingBytes  = "nats-pending-bytes"  // Options.PendingBytes
)

// Config reads Options from string options; keys not of this backend are
// ignored.
func Config(opts map[string]string) (Options, error) {
	var o Options
	list := func(s string) []string {
		var out []string
		for v := range strings.SplitSeq(s, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	o.URLs = list(opts[KeyURLs])
	o.Routes = list(opts[KeyRoutes])
	o.Listen = strings.TrimSpace(opts[KeyListen])
	o.ClusterListen = strings.TrimSpace(opts[KeyClusterListen])
	o.ClusterName = strings.TrimSpace(opts[KeyClusterName])
	o.Name = strings.TrimSpace(opts[KeyName])
	o.Prefix = strings.TrimSpace(opts[KeyPrefix])
	for key, dst := range map[string]*int{KeyQueueSize: &o.QueueSize, KeyPendingMsgs: &o.PendingMsgs, KeyPendingBytes: &o.PendingBytes} {
		s, ok := opts[key]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return o, fmt.Errorf("natshub: %s %q: want a positive integer", key, s)
		}
		*dst = n
	}
	return o, o.check()
}

// check reports options that cannot work.
func (o *Options) check() error {
	if len(o.URLs) == 0 && o.Listen == "" && o.ClusterListen == "" {
		return fmt.Errorf("natshub: no NATS to use: give %s, or %s or %s for an embedded server", KeyURLs, KeyListen, KeyClusterListen)
	}
	if len(o.Routes) > 0 && o.ClusterListen == "" {
		return fmt.Errorf("natshub: %s needs %s: routes join this node's embedded server to the others", KeyRoutes, KeyClusterListen)
	}
	return nil
}

func (o *Options) defaults() {
	if o.ClusterName == "" {
		o.ClusterName = "golws"
	}
	if o.Prefix == "" {
		o.Prefix = "golws.hub."
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 1024
	}
	if o.PendingMsgs <= 0 {
		o.PendingMsgs = 4096
	}
	if o.PendingBytes <= 0 {
		o.PendingBytes = 16 << 20
	}
	if o.ReconnectWait <= 0 {
		o.ReconnectWait = 250 * time.Millisecond
	}
}
