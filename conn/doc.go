// Package conn is the per-connection engine that every golws transport shares:
// WebSocket, raw TCP, adopted files and FIFOs, UDP sockets and HTTP streams
// bound to a callback mount.
//
// A Conn owns two goroutines. The reader reads from the Transport only while
// the connection's rx gate is open and hands each chunk to the service
// goroutine, then waits until that chunk has been consumed before reading
// again, so a consumer that stops reading stops the socket and TCP
// backpressure reaches the sender. The service goroutine owns the connection:
// it runs the Session's callbacks one at a time and performs every write.
//
// The model is libwebsockets': the receiver is the boss. A Session writes only
// from its Writeable callback, at most once per callback, after asking for the
// callback with RequestWritable; it turns reception off with SetRx(false)
// when it cannot use more input; it closes the connection by returning an
// error from any callback.
//
// # Concurrency
//
// Callbacks of one connection never run concurrently, so per-connection
// state in a Session needs no lock. RequestWritable, SetRx, SetTimeout, Close
// and the accessors are safe from any goroutine and never block. Write and
// WriteFragment are legal only inside Writeable.
//
// # Cancellation
//
// Close and the timeouts end a connection from outside; a write blocked on a
// peer that does not read is aborted by them. The Closed callback runs exactly
// once, after both goroutines have stopped reading and writing.
package conn
