package natshub

import "encoding/base64"

// subject is the NATS subject of topic: prefix followed by the name when it
// is made only of letters, digits and dashes, else by "_" and the name in
// unpadded base64url, so that any topic name (spaces, dots, the wildcards
// '*' and '>') is one valid subject token and no two names share a
// subject.
func subject(prefix, topic string) string {
	for i := 0; i < len(topic); i++ {
		c := topic[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return prefix + "_" + base64.RawURLEncoding.EncodeToString([]byte(topic))
		}
	}
	if topic == "" {
		return prefix + "_"
	}
	return prefix + topic
}
