// Package listen is golws's listener machinery, below the vhosts that use
// it: opening TCP sockets with lws's options (keepalive, an interface or a
// device binding) and unix sockets, connection and per-IP request limits,
// and listeners that prepare each connection before handing it out (a TLS
// handshake, a look at the first byte) without holding up the others.
package listen
