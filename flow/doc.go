// Package flow holds small flow-control primitives shared by the transports:
// wake-ups, receive backpressure and fan-out buffering. (Transmit credit is
// the engine's own: one write in flight, earned back when the transport has
// taken it; see package conn.) They
// do no I/O and start no goroutines; callers wire them into their own loops.
//
//   - Signal is a coalescing wake-up: many Notify calls, one receive.
//   - Gate is an rx gate: a reader Waits on it before each read, so closing
//     it stops reading and lets TCP backpressure reach the peer.
//   - Ring and Tail are a bounded multi-consumer ring (libwebsockets'
//     lws_ring): producers Append without ever blocking, each consumer reads
//     through its own Tail, and a consumer that lags by more than the ring's
//     size is skipped forward or dropped according to the ring's Policy, or,
//     with the lossless Block policy, producers are refused until the slowest
//     consumer catches up (Ring.OnRoom says when to try again).
//
// # Concurrency
//
// Signal: Notify is safe from any goroutine, including the owner's, and never
// blocks. Only the owner should receive from C or call Pending, since a
// receive consumes the wake-up.
//
// Gate: Open, Close, Set and IsOpen are safe from any goroutine; any number of
// goroutines may Wait at once. A Gate must not be copied after first use.
//
// Ring and Tail: every method is safe from any goroutine; producers and
// consumers are expected to be different goroutines. Append takes the ring's
// mutex briefly but never waits for a consumer. The ring does not wake
// consumers: a producer typically calls Append and then Notify on each
// consumer's Signal, and the consumer drains Tail.Next until it reports false.
package flow
