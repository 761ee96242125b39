package conn

import "unicode/utf8"

// utf8Stream validates UTF-8 text that arrives in pieces: a rune may be split
// across chunks, so up to three bytes of an unfinished rune are carried over.
type utf8Stream struct {
	pend [utf8.UTFMax]byte
	n    int
}

// runeLen is the length of the sequence that lead byte b starts, or 0 if b
// cannot start one.
func runeLen(b byte) int {
	switch {
	case b < 0x80:
		return 1
	case b >= 0xC2 && b <= 0xDF:
		return 2
	case b >= 0xE0 && b <= 0xEF:
		return 3
	case b >= 0xF0 && b <= 0xF4:
		return 4
	}
	return 0
}

// feed checks the next piece p of a message; final says it is the last one.
// It reports false as soon as the text seen so far cannot be valid UTF-8.
func (s *utf8Stream) feed(p []byte, final bool) bool {
	if s.n > 0 {
		need := runeLen(s.pend[0]) - s.n
		take := min(need, len(p))
		copy(s.pend[s.n:], p[:take])
		s.n += take
		p = p[take:]
		if take < need {
			if final {
				s.n = 0
				return false
			}
			return utf8.Valid(s.pend[:s.n]) || !utf8.FullRune(s.pend[:s.n])
		}
		ok := utf8.Valid(s.pend[:s.n])
		s.n = 0
		if !ok {
			return false
		}
	}
	held := false
	if !final {
		// Hold back an unfinished rune at the end of p.
		for i := len(p) - 1; i >= 0 && i >= len(p)-(utf8.UTFMax-1); i-- {
			if p[i]&0xC0 == 0x80 {
				continue
			}
			if l := runeLen(p[i]); l > 1 && len(p)-i < l {
				s.n = copy(s.pend[:], p[i:])
				p = p[:i]
				held = true
			}
			break
		}
	}
	// What is held back must still be able to become a rune: an
	// impossible start (an overlong or surrogate prefix) fails now.
	return utf8.Valid(p) && (!held || !utf8.FullRune(s.pend[:s.n]))
}

// reset forgets any carried bytes, for the next message.
func (s *utf8Stream) reset() { s.n = 0 }
