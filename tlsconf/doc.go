// Package tlsconf turns TLS settings as lws users write them into Go's
// crypto/tls values: OpenSSL cipher lists ("HIGH:!aNULL:!MD5") and suite
// names, ECDH curve names, and a self-signed certificate for development.
package tlsconf
