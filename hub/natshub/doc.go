// Package natshub is the NATS backend of package hub: topics shared by
// every golws process connected to the same NATS system.
//
// A node either connects to NATS servers that run on their own (URLs) or
// runs one in-process (github.com/nats-io/nats-server/v2 as a library:
// Listen for its clients, ClusterListen and Routes to join the embedded
// servers of the other nodes into one NATS cluster), so that N golws
// processes on N machines need no other service.
//
// Importing the package registers the backend under the name "nats" with
// hub.RegisterBackend, so that configuration can choose it (hub.FromConfig
// with "backend": "nats" and the keys of Config).
//
// # Bounds
//
// Publishing never blocks: hub publishes go into a bounded queue that one
// goroutine sends to NATS, and a full queue refuses (the hub then holds a
// lossless topic's publishers back, or counts the message lost). Each
// topic's NATS subscription has pending limits (PendingMsgs, PendingBytes):
// its handler only appends to the topic's ring, so the pending buffer stays
// near empty; if it fills anyway (a lossless topic whose slowest subscriber
// stalls) NATS drops what is beyond the limits and the backend counts it
// (Stats.SlowConsumerDrops), so golws's memory never grows without bound.
//
// NATS core delivers at most once: a message published while a node is
// cut from the others, or dropped at a pending limit, is lost; order per
// publisher is kept.
package natshub
