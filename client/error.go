package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// ConnectFailure says why a client connection attempt failed
// (lws's LWS_CALLBACK_CLIENT_CONNECTION_ERROR, with the cause named).
type ConnectFailure int

// Why a client connection attempt failed.
const (
	// ConnectFailed is any other failure: a network error after the TCP
	// connection was made, a malformed handshake answer.
	ConnectFailed ConnectFailure = iota
	// ConnectRefused: nobody listens at the address (ECONNREFUSED).
	ConnectRefused
	// ConnectDNS: the host name could not be resolved.
	ConnectDNS
	// ConnectTLS: the TLS handshake failed (untrusted certificate, wrong
	// name, no common version or cipher, a peer that does not speak TLS).
	ConnectTLS
	// ConnectRejected: the server answered the WebSocket handshake with an
	// HTTP status other than 101; ConnectError.StatusCode holds it.
	ConnectRejected
	// ConnectTimeout: the attempt took longer than Options.Timeout.
	ConnectTimeout
	// ConnectCanceled: the attempt was abandoned by Client.Close or by the
	// Server's shutdown.
	ConnectCanceled
)

var failureNames = [...]string{"failed", "refused", "dns", "tls", "rejected", "timeout", "canceled"}

// String is a short lower-case name: "refused", "dns", "tls", ...
func (f ConnectFailure) String() string {
	if f >= 0 && int(f) < len(failureNames) {
		return failureNames[f]
	}
	return fmt.Sprintf("ConnectFailure(%d)", int(f))
}

// ConnectError is the error a failed client attempt reports to its
// ConnectionError callback and to Client.Wait. errors.Is and errors.As see
// the cause through it (syscall.ECONNREFUSED, *net.DNSError,
// *tls.CertificateVerificationError, context.DeadlineExceeded, ...).
type ConnectError struct {
	// URL is the URL the attempt was for.
	URL string
	// Failure classifies the cause.
	Failure ConnectFailure
	// StatusCode is the HTTP status of a rejected WebSocket handshake
	// (Failure == ConnectRejected), else 0.
	StatusCode int
	// Err is the underlying error.
	Err error
}

// Error names the URL, the kind of failure and the cause.
func (e *ConnectError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("client: connect %s: %s (HTTP %d): %v", e.URL, e.Failure, e.StatusCode, e.Err)
	}
	if e.Failure == ConnectTLS {
		// crypto/tls's errors start with "tls: " too: say it once.
		cause := strings.TrimPrefix(fmt.Sprint(e.Err), "tls: ")
		return fmt.Sprintf("client: connect %s: tls: %s%s", e.URL, cause, tlsHint(e.URL, e.Err))
	}
	return fmt.Sprintf("client: connect %s: %s: %v", e.URL, e.Failure, e.Err)
}

// tlsHint says what to do about the usual TLS handshake failures.
func tlsHint(url string, err error) string {
	var rh tls.RecordHeaderError
	var cv *tls.CertificateVerificationError
	switch {
	case errors.As(err, &rh):
		plain := "ws://"
		if strings.HasPrefix(url, "https:") {
			plain = "http://"
		}
		return "; the server does not speak TLS: use " + plain
	case errors.As(err, &cv):
		return "; the server's certificate is not trusted: add its CA to TLSConfig.RootCAs (or, for testing only, set InsecureSkipVerify)"
	}
	return ""
}

// Unwrap returns the cause.
func (e *ConnectError) Unwrap() error { return e.Err }

// Causes recorded as the cancellation cause of an attempt's context.
var (
	errConnectTimeout  = errors.New("connection attempt timed out")
	errConnectCanceled = errors.New("connection attempt canceled")
)

// stageError marks an error with the dialing stage that produced it; the
// dialer makes them, so the classification does not guess from messages.
type stageError struct {
	failure ConnectFailure
	err     error
}

func (e *stageError) Error() string { return e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// tcpStage classifies an error of the TCP dial.
func tcpStage(err error) error {
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return &stageError{ConnectDNS, err}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &stageError{ConnectRefused, err}
	}
	return &stageError{ConnectFailed, err}
}

// classify makes the ConnectError of an attempt that failed with err while
// ctx bounded it; status is the HTTP status of a handshake answer, if any.
func classify(url string, ctx context.Context, err error, status int) *ConnectError {
	ce := &ConnectError{URL: url, Err: err}
	var se *stageError
	switch cause := context.Cause(ctx); {
	case ctx.Err() != nil && errors.Is(cause, errConnectTimeout):
		ce.Failure = ConnectTimeout
		ce.Err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
	case ctx.Err() != nil:
		ce.Failure = ConnectCanceled
		ce.Err = fmt.Errorf("%w: %w", context.Canceled, err)
	case errors.As(err, &se):
		ce.Failure = se.failure
	case status != 0:
		ce.Failure, ce.StatusCode = ConnectRejected, status
	}
	return ce
}
