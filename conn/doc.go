// Package conn is the per-connection engine that every golws transport shares:
// WebSocket, raw TCP, adopted files and FIFOs, UDP sockets and HTTP streams
// bound to a callback mount.
//
// The model is libwebsockets': the receiver is the boss. A Session writes only
// from its Writeable callback, at most once per callback, after asking for the
// callback with RequestWritable; it turns reception off with SetRx(false)
// when it cannot use more input; it closes the connection by returning an
// error from any callback.
//
// # Goroutines
//
// A Conn has a reader goroutine and a service goroutine, each only while it
// has work. The reader reads from the Transport only while the rx gate is
// open and delivers each chunk to Receive itself (and the Writeable that
// Receive asked for), holding the connection's ownership token, so a
// message costs no goroutine switch. It reads the next chunk only once
// Receive has returned, so a consumer that turns rx off stops the socket
// after at most the chunk in hand, and TCP backpressure reaches the sender.
// The service goroutine runs Established, the Writeable callbacks asked for
// from other goroutines, the flushes described below, and the close; it is
// started by whatever posts it an event and ends when none is left.
//
// An idle connection holds no goroutine at all (invariant 12): a WebSocket
// whose socket has had nothing to read for ParkAfter between frames (and
// one that has sent nothing since its handshake) parks — its reader hands
// the socket to one epoll watcher shared by the process and ends, and the
// watcher starts a reader again when input, the peer's end or an error
// arrives (park.go, watch_linux.go). What an idle connection keeps is its
// structures and the request's headers (Info).
//
// # Sending never stops reception
//
// A write never waits for the peer (lws's partial-send buffer). Every write
// happens under the connection's write lock:
//
//   - Transports that are a Sender (WebSocket, raw sockets, FIFOs) send what
//     the kernel takes at once with a non-blocking write and keep the rest
//     in an Outbox.
//   - Other transports (HTTP responses, files the poller cannot wait on) get
//     a copy of the write, which the service goroutine makes.
//
// Either way the callback returns at once and Receive goes on. While output
// waits, the connection is busy: the service goroutine flushes it, blocking
// on the peer as long as it takes, and no Writeable is delivered until it
// has drained. That is the tx credit of the design: one write in flight,
// earned back when the transport has taken it. What a waiting send holds is
// the unsent part of the one message (or fragment) being written, plus at
// most a few small control frames; Options.RxBufferSize bounds what the
// reader holds. A write from another goroutine during a Writeable callback
// is serialized with it by the write lock (it takes the callback's one
// permitted write), so no two writes ever overlap on the transport.
//
// # WebSocket frames
//
// github.com/coder/websocket makes the handshake: it checks the request or
// dials, negotiates the subprotocol and permessage-deflate, and hands over
// the hijacked connection (AcceptWebSocket, DialWebSocket). The frames after
// it are this package's own (frame.go, wsread.go, websocket.go,
// deflate.go), because coder/websocket's message API cannot give what the
// engine promises: its reader hides frame boundaries and reads control
// frames only while the application reads a message, and its writer
// flushes a frame only when the message ends (TestCoderWriterHoldsFragments
// shows it). Here the reader delivers what has arrived of a frame as soon as
// the socket has no more, never waiting to fill a chunk; UTF-8 is checked
// as bytes arrive; pings are answered and pongs noted by the reader between
// frames; a non-final fragment is on the wire when WriteFragment returns.
// Protocol violations close at once with 1002, invalid UTF-8 with 1007, a
// message over Options.MaxMessageSize with 1009; a peer's close is answered
// with its own code and never its reason; a peer that just went away gets
// no close frame.
//
// # Dead peers
//
// With Options.PingInterval set, the engine pings the peer and, PongTimeout
// later, closes it with ErrPongTimeout unless it has been heard from since:
// any byte read counts (lws's validity), a pong as much as data, and so does
// the peer taking our output (a ping queued behind a large message cannot be
// answered before the peer has read that message). While the
// reader is not reading — a slow callback, rx off — bytes that wait unread
// in the kernel count too (FIONREAD): the peer sent them and we are the ones
// not reading. So a silent peer is found within PingInterval + PongTimeout
// whatever rx is doing, and a live peer is kept however slow its callbacks.
//
// # Faults
//
// A panic in a callback or in the session factory is recovered: it is
// logged with its stack, the connection closes with 1011 (Start returns a
// *PanicError for the factory), and the rest of the process keeps serving.
//
// # Concurrency
//
// Callbacks of one connection never run concurrently, so per-connection
// state in a Session needs no lock; SetTimer's Timer callback is one of
// them. RequestWritable, SetRx, SetTimeout, Close
// and the accessors are safe from any goroutine and never block. Write and
// WriteFragment are legal only inside Writeable.
//
// # Cancellation
//
// Close and the timeouts end a connection from outside: what waits to be
// sent goes out first, then the close (for WebSocket the close handshake,
// during which input is read and dropped), all bounded by
// Options.CloseGrace, after which the transport is aborted. The Closed
// callback runs exactly once, after both goroutines have stopped reading
// and writing.
package conn
