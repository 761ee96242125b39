package conn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// WebSocket opcodes (RFC 6455 section 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// maxHeaderSize is the longest frame header: 2 bytes, 8 of length, 4 of
// mask key.
const maxHeaderSize = 14

// maxControlPayload is the largest payload a control frame may carry.
const maxControlPayload = 125

// ErrProtocol is the cause of a close when the peer broke the WebSocket
// protocol (RFC 6455); the connection closes with 1002.
var ErrProtocol = errors.New("conn: websocket protocol violation")

// ErrMessageTooBig is the cause of a close when a received message is larger
// than Options.MaxMessageSize; the connection closes with 1009.
var ErrMessageTooBig = errors.New("conn: message too big")

func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, args...)...)
}

// header is a parsed frame header.
type header struct {
	fin    bool
	rsv1   bool
	opcode byte
	masked bool
	mask   uint32 // little-endian view of the 4 key bytes
	length int64
}

// parseHeader parses the frame header at the start of p. It returns the
// header and its size, or size 0 when p does not hold the whole header yet.
func parseHeader(p []byte) (h header, size int, err error) {
	if len(p) < 2 {
		return h, 0, nil
	}
	b0, b1 := p[0], p[1]
	h.fin = b0&0x80 != 0
	h.rsv1 = b0&0x40 != 0
	if b0&0x30 != 0 {
		return h, 0, protocolError("reserved bits RSV2/RSV3 set")
	}
	h.opcode = b0 & 0x0F
	h.masked = b1&0x80 != 0
	size = 2
	switch n := b1 & 0x7F; n {
	case 126:
		if len(p) < 4 {
			return h, 0, nil
		}
		h.length = int64(binary.BigEndian.Uint16(p[2:]))
		size = 4
	case 127:
		if len(p) < 10 {
			return h, 0, nil
		}
		l := binary.BigEndian.Uint64(p[2:])
		if l>>63 != 0 {
			return h, 0, protocolError("64-bit payload length with the top bit set")
		}
		h.length = int64(l)
		size = 10
	default:
		h.length = int64(n)
	}
	if h.masked {
		if len(p) < size+4 {
			return h, 0, nil
		}
		h.mask = binary.LittleEndian.Uint32(p[size:])
		size += 4
	}
	return h, size, nil
}

// appendHeader appends a frame header to b.
func appendHeader(b []byte, fin, rsv1 bool, opcode byte, length int, masked bool, mask uint32) []byte {
	b0 := opcode
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	var m byte
	if masked {
		m = 0x80
	}
	switch {
	case length <= 125:
		b = append(b, b0, m|byte(length))
	case length <= 0xFFFF:
		b = append(b, b0, m|126)
		b = binary.BigEndian.AppendUint16(b, uint16(length))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(length))
	}
	if masked {
		b = binary.LittleEndian.AppendUint32(b, mask)
	}
	return b
}

// maskBytes XORs p with the key, starting pos bytes into it, and returns the
// key position after p.
func maskBytes(key uint32, pos int, p []byte) int {
	k := bits.RotateLeft32(key, -8*(pos&3))
	k64 := uint64(k)<<32 | uint64(k)
	i := 0
	for ; i+8 <= len(p); i += 8 {
		v := binary.LittleEndian.Uint64(p[i:])
		binary.LittleEndian.PutUint64(p[i:], v^k64)
	}
	for ; i < len(p); i++ {
		p[i] ^= byte(k)
		k = bits.RotateLeft32(k, -8)
	}
	return (pos + len(p)) & 3
}

// validCloseCode reports whether code may appear in a close frame on the
// wire (RFC 6455 section 7.4).
func validCloseCode(code StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// parseClosePayload reads a received close frame's payload.
func parseClosePayload(p []byte) (*CloseError, error) {
	switch {
	case len(p) == 0:
		return &CloseError{Code: StatusNoStatus}, nil
	case len(p) == 1:
		return nil, protocolError("close frame with a 1-byte payload")
	}
	code := StatusCode(binary.BigEndian.Uint16(p))
	if !validCloseCode(code) {
		return nil, protocolError("invalid close code %d", code)
	}
	if !utf8.Valid(p[2:]) {
		return nil, fmt.Errorf("%w in a close reason", ErrInvalidUTF8)
	}
	return &CloseError{Code: code, Reason: string(p[2:])}, nil
}

// appendClosePayload appends a close frame's payload for code and reason; a
// reason longer than a close frame holds is cut on a rune boundary.
func appendClosePayload(b []byte, code StatusCode, reason string) []byte {
	if code == StatusNoStatus {
		return b
	}
	if len(reason) > maxControlPayload-2 {
		n := maxControlPayload - 2
		for n > 0 && !utf8.RuneStart(reason[n]) {
			n--
		}
		reason = reason[:n]
	}
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}
