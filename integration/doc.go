// Package integration holds golws's end-to-end tests: they build the example
// programs, start them on loopback ports and drive them with independent
// peers (Debian's python3-websockets client; libwebsockets' own C test
// server and nghttpd as servers for golws's clients), so the framework is
// proven against code it did not write.
package integration
