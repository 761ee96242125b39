package lwsws

// stripComments blanks lwsws's comments out of a configuration file: a '#'
// outside a JSON string turns the rest of its line into a comment, as
// lws's JSON parser (lejp) reads it — a whole line, after whitespace, or
// after a value. Comment bytes become spaces and line ends stay, so every
// byte keeps its offset and errors keep their line numbers.
func stripComments(data []byte) []byte {
	out := make([]byte, len(data))
	copy(out, data)
	inString, escaped, inComment := false, false, false
	for i, b := range out {
		switch {
		case inComment:
			if b == '\n' {
				inComment = false
			} else if b != '\r' {
				out[i] = ' '
			}
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			case b == '\n':
				inString = false // an unterminated string: let JSON report it
			}
		case b == '"':
			inString = true
		case b == '#':
			inComment = true
			out[i] = ' '
		}
	}
	return out
}
