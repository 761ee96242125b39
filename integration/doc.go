// Package integration holds golws's end-to-end tests: they build the example
// programs, start them on loopback ports and drive them with independent
// peers (Debian's python3-websockets client; nc, socat and curl for raw TCP,
// UDP and the raw fallback; the shell writing into a FIFO), so the
// framework is proven against code it did not write.
package integration
