package natshub

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/hub"
)

// The wire form of a hub.Message in a NATS message's payload:
//
//	type    1 byte: 1 text, 2 binary
//	pieces  uvarint count, then that many uvarint sizes (count 0: one piece)
//	data    the rest
//
// maxPieces bounds the piece count a decoder accepts.
const maxPieces = 1 << 16

var errMalformed = errors.New("natshub: malformed message")

// encode appends m's wire form to b.
func encode(b []byte, m *hub.Message) []byte {
	b = append(b, byte(m.Type))
	b = binary.AppendUvarint(b, uint64(len(m.Pieces)))
	for _, p := range m.Pieces {
		b = binary.AppendUvarint(b, uint64(p))
	}
	return append(b, m.Data...)
}

// decode parses a wire form. The message's Data aliases p.
func decode(p []byte) (*hub.Message, error) {
	if len(p) < 2 {
		return nil, errMalformed
	}
	typ := conn.MessageType(p[0])
	if typ != conn.Text && typ != conn.Binary {
		return nil, fmt.Errorf("%w: type %d", errMalformed, p[0])
	}
	n, k := binary.Uvarint(p[1:])
	if k <= 0 || n > maxPieces {
		return nil, fmt.Errorf("%w: piece count", errMalformed)
	}
	rest := p[1+k:]
	var pieces []int
	if n > 0 {
		if n > uint64(len(rest)) { // each size takes at least a byte
			return nil, fmt.Errorf("%w: piece count", errMalformed)
		}
		pieces = make([]int, n)
		total := uint64(0)
		for i := range pieces {
			v, k := binary.Uvarint(rest)
			if k <= 0 || v > uint64(len(p)) {
				return nil, fmt.Errorf("%w: piece size", errMalformed)
			}
			pieces[i] = int(v)
			total += v
			rest = rest[k:]
		}
		if total != uint64(len(rest)) {
			return nil, fmt.Errorf("%w: pieces add up to %d, data is %d", errMalformed, total, len(rest))
		}
	}
	return &hub.Message{Type: typ, Data: rest, Pieces: pieces}, nil
}
