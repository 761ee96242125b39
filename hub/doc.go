// Package hub is golws's fan-out: publish a message to a named topic and
// every subscriber of that topic receives it, whether it is a connection of
// this process or of another golws process.
//
// A Hub holds topics. Each topic keeps one bounded flow.Ring on each node
// and every subscriber (typically a connection) reads it through its own
// tail, so a message is stored once per node however many subscribers it
// has, and a subscriber that falls behind gets the ring's policy: skipped
// ahead (flow.Skip), detached (flow.Drop), or, for lossless topics
// (flow.Block), the publishers are held back until it catches up: a
// connection publishing through a Publisher has its rx turned off while the
// ring is full, so TCP backpressure reaches the peer that sends too fast.
//
// Where messages travel is the Hub's Backend. With none (the default) a
// topic is in-process: publishing appends to the topic's ring directly. A
// Backend (package hub/natshub for NATS) carries every message to the topic
// on every node, this one included, where it is appended to that node's
// ring. Publishing never blocks a callback: backends queue what they send
// in a bounded queue and refuse what does not fit (a lossless topic then
// holds its publishers back, the others count the message lost), and
// slow subscribers stay bounded on the receiving side by the ring.
//
// Backends register by name (RegisterBackend), so that configuration
// strings can choose one (FromConfig): importing hub/natshub makes
// "nats" available; programs that do not import it do not link NATS.
//
// Messages carry a conn.Prepared form (Message.Prepared), so that a message
// sent to many connections that compress without context takeover is
// deflated once for all of them.
package hub
