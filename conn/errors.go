package conn

import (
	"errors"
	"fmt"
)

var (
	// ErrNotWriteable is returned by a write made outside the Writeable
	// callback: data may be produced only when the peer can take it.
	ErrNotWriteable = errors.New("conn: write outside the writeable callback")
	// ErrBackToBack is returned by a second write within one Writeable
	// callback (lws: "Illegal back-to-back write").
	ErrBackToBack = errors.New("conn: illegal back-to-back write in one writeable callback")
	// ErrClosed is returned by operations on a connection that has closed.
	ErrClosed = errors.New("conn: connection closed")
	// ErrPongTimeout is the cause of a close when the peer did not answer a
	// ping in time.
	ErrPongTimeout = errors.New("conn: peer did not answer ping")
	// ErrInvalidUTF8 is the cause of a close when a text message is not valid
	// UTF-8.
	ErrInvalidUTF8 = errors.New("conn: text message is not valid UTF-8")
	// ErrFragmentType is returned by WriteFragment when a message in flight is
	// continued with a different type.
	ErrFragmentType = errors.New("conn: fragment type differs from the message in flight")
)

// StatusCode is a WebSocket close code (RFC 6455 section 7.4).
type StatusCode int

// Close codes used by the engine.
const (
	StatusNormal          StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupported     StatusCode = 1003
	StatusNoStatus        StatusCode = 1005
	StatusAbnormal        StatusCode = 1006
	StatusInvalidPayload  StatusCode = 1007
	StatusPolicyViolation StatusCode = 1008
	StatusTooBig          StatusCode = 1009
	StatusInternalError   StatusCode = 1011
)

// CloseError carries a close code and reason. Return one from a callback to
// close with that code; the Closed callback receives one when the peer closed
// with a code.
type CloseError struct {
	Code   StatusCode
	Reason string
}

// Error describes the close.
func (e *CloseError) Error() string {
	return fmt.Sprintf("conn: close %d %q", int(e.Code), e.Reason)
}

// CloseWith returns an error that, returned from a callback, closes the
// connection with code and reason.
func CloseWith(code StatusCode, reason string) error {
	return &CloseError{Code: code, Reason: reason}
}

// TimeoutError is the cause of a close made by a timeout set with SetTimeout.
type TimeoutError struct {
	Reason string
}

// Error names the timeout.
func (e *TimeoutError) Error() string { return "conn: timeout: " + e.Reason }

// closeCodeFor picks the close code sent for the error that ends a connection.
func closeCodeFor(err error) (StatusCode, string) {
	var ce *CloseError
	switch {
	case err == nil:
		return StatusNormal, ""
	case errors.As(err, &ce):
		return ce.Code, ce.Reason
	case errors.Is(err, ErrInvalidUTF8):
		return StatusInvalidPayload, "invalid UTF-8"
	case errors.Is(err, ErrProtocol):
		return StatusProtocolError, "protocol error"
	case errors.Is(err, ErrMessageTooBig):
		return StatusTooBig, "message too big"
	}
	var te *TimeoutError
	if errors.As(err, &te) {
		return StatusPolicyViolation, "timeout"
	}
	return StatusInternalError, ""
}
