// Package raw carries connections that are not HTTP through the engine of
// package conn: TCP sockets (accepted, dialled or adopted from elsewhere),
// files, FIFOs, pipes and character devices (lws's RAW_*_FILE family), and
// the raw fallback that shares an HTTP listener with raw protocols.
//
// A raw connection has the same callbacks and invariants as a WebSocket one:
// callbacks are serialized, writes happen only in Writeable, rx flow control
// stops reading the socket (so TCP pushes back on the peer), and Closed runs
// once. Input has no message boundaries: each read is delivered as one
// Binary chunk with First and Final both set, no larger than the rx buffer.
//
//   - Socket is the Transport over a net.Conn.
//   - File is the Transport over an *os.File; OpenFIFO opens a FIFO for it.
//   - Fallback wraps a net.Listener: connections whose first bytes are an
//     HTTP method or a TLS ClientHello go on to the HTTP server, the others
//     to a raw handler with the bytes already read. Classify is its sniffer.
//
// Package lws binds these to protocols: Vhost.AdoptConn, Vhost.AdoptFile,
// Vhost.AdoptListener, Vhost.DialRaw and VhostOptions.RawFallback.
//
// # Concurrency
//
// The transports follow conn.Transport: the engine reads from one goroutine
// and writes from another; Abort is safe from any goroutine. A Fallback's
// Accept and Close are safe from any goroutine.
//
// # Cancellation
//
// Abort closes the socket or file, which unblocks a pending read or write
// (for files, only where Go's poller can wait on them: see File). Closing a
// Fallback closes the connections it is still sniffing and waits for its
// goroutines.
package raw
