// Package udp carries UDP sockets through the engine of package conn (lws's
// RAW UDP: lws_create_adopt_udp). Socket is the Transport over a
// net.PacketConn: each received datagram is one Binary chunk whose Addr is
// a copy of the sender's address, kept safely for replies; a Session
// replies with conn.Conn.WriteTo from its Writeable callback, requested with
// RequestWritable like on any connection. Send errors and short sends are
// returned by WriteTo (a short send as a *conn.ShortWriteError), never
// ignored.
//
// Package lws binds a Socket to a protocol: Vhost.ListenUDP and
// Vhost.AdoptUDP.
//
// # Concurrency
//
// The engine reads from one goroutine and writes from another; Abort is safe
// from any goroutine.
//
// # Cancellation
//
// Abort closes the socket, which unblocks a pending read or write.
package udp
