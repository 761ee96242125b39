// Package integration holds golws's end-to-end tests: they build the example
// programs, start them on loopback ports and drive them with independent
// peers (Debian's python3-websockets client; libwebsockets' own C test
// server and client; nghttpd, nghttp, h2load and curl for HTTP/2 and TLS;
// nc, socat and curl for raw TCP, UDP and the raw fallback; the shell
// writing into a FIFO; headless Chromium for the test page), so the
// framework is proven against code it did not write.
package integration
