package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// CipherList maps an OpenSSL cipher list, as lws users write it for
// ssl_cipher_list and lwsws's "ciphers" ("ALL", "DEFAULT",
// "HIGH:!aNULL:!MD5", "ECDHE+AESGCM:!SHA1"), to the Go TLS 1.0–1.2 cipher
// suites it allows, for tls.Config.CipherSuites.
//
// The list is read as OpenSSL reads it: elements separated by ':', ','
// or spaces; each a suite name (OpenSSL's, such as
// "ECDHE-RSA-AES128-GCM-SHA256", or IANA's), a keyword (ALL, DEFAULT,
// COMPLEMENTOFDEFAULT, HIGH, MEDIUM, LOW, kRSA/RSA, aRSA, kECDHE/ECDHE/
// EECDH, aECDSA/ECDSA, AES, AES128, AES256, AESGCM, CHACHA20, 3DES, SHA1/
// SHA, SHA256, SHA384, TLSv1.2, TLSv1/SSLv3, and the families Go has no
// suite of: aNULL, eNULL, NULL, EXPORT, DES, MD5, RC4, PSK, SRP, DSS, DHE,
// CAMELLIA, ...) or several joined by '+' (all of them at once); a leading
// '!' removes the matches for good, '-' removes them until added again,
// '+' only reorders (Go orders suites itself, so it changes nothing), and
// "@STRENGTH" / "@SECLEVEL=n" are ignored. Names Go does not implement are
// ignored, as OpenSSL ignores names it lacks; they are returned in
// ignored. RC4 suites are never enabled, as in OpenSSL builds since 1.1.0.
// ALL includes the suites Go deems insecure but implements (3DES, CBC with
// SHA-256); DEFAULT is Go's secure set (tls.CipherSuites).
//
// A list that allows no suite is an error. TLS 1.3 suites are not
// governed by the list: Go always enables them.
func CipherList(list string) (ids []uint16, ignored []string, err error) {
	selected := map[uint16]bool{}
	banned := map[uint16]bool{}
	for elem := range strings.FieldsFuncSeq(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' || r == '\t' }) {
		op := byte(0)
		if c := elem[0]; c == '!' || c == '-' || c == '+' {
			op, elem = c, elem[1:]
		}
		if elem == "" || strings.HasPrefix(elem, "@") {
			continue
		}
		match, known := cipherTerm(elem)
		if !known {
			ignored = append(ignored, elem)
			continue
		}
		for _, s := range cipherTable {
			if !match(s) {
				continue
			}
			switch op {
			case 0:
				if !banned[s.id] {
					selected[s.id] = true
				}
			case '-':
				delete(selected, s.id)
			case '!':
				delete(selected, s.id)
				banned[s.id] = true
			}
		}
	}
	for _, s := range cipherTable {
		if selected[s.id] {
			ids = append(ids, s.id)
		}
	}
	if len(ids) == 0 {
		msg := fmt.Sprintf("cipher list %q allows no TLS 1.2 cipher suite Go implements", list)
		if len(ignored) > 0 {
			msg += " (unknown to Go: " + strings.Join(ignored, ", ") + ")"
		}
		return nil, ignored, fmt.Errorf("%s; try \"HIGH:!aNULL\" or \"DEFAULT\"", msg)
	}
	return ids, ignored, nil
}

// cipherSuite is a Go TLS 1.0–1.2 suite and the OpenSSL attributes of it.
type cipherSuite struct {
	id       uint16
	name     string // IANA
	kx, auth string // "ECDHE"/"RSA", "ECDSA"/"RSA"
	enc      string // AES_128_GCM, AES_256_CBC, CHACHA20_POLY1305, 3DES_EDE_CBC
	mac      string // SHA, SHA256, SHA384 (AEAD suites: "AEAD")
	secure   bool   // in tls.CipherSuites
}

// cipherTable lists the suites a cipher list chooses from, in Go's order:
// secure first, without TLS 1.3 and RC4 suites.
var cipherTable = func() []cipherSuite {
	var t []cipherSuite
	add := func(list []*tls.CipherSuite, secure bool) {
		for _, s := range list {
			if tls13Only(s) || strings.Contains(s.Name, "RC4") {
				continue
			}
			cs := cipherSuite{id: s.ID, name: s.Name, secure: secure}
			rest := strings.TrimPrefix(s.Name, "TLS_")
			kxauth, cipher, ok := strings.Cut(rest, "_WITH_")
			if !ok {
				continue
			}
			cs.kx, cs.auth, _ = strings.Cut(kxauth, "_")
			if cs.auth == "" {
				cs.auth = cs.kx // TLS_RSA_WITH_...: RSA both
			}
			i := strings.LastIndexByte(cipher, '_')
			cs.enc, cs.mac = cipher[:i], cipher[i+1:]
			if strings.Contains(cs.enc, "GCM") || strings.Contains(cs.enc, "POLY1305") {
				cs.enc, cs.mac = cipher, "AEAD"
				cs.enc = strings.TrimSuffix(strings.TrimSuffix(cs.enc, "_SHA256"), "_SHA384")
			}
			t = append(t, cs)
		}
	}
	add(tls.CipherSuites(), true)
	add(tls.InsecureCipherSuites(), false)
	return t
}()

// cipherTerm returns the predicate of one term: a suite name, a keyword,
// or keywords joined by '+'. known is false if any part is unknown.
func cipherTerm(term string) (match func(cipherSuite) bool, known bool) {
	if iana, ok := opensslNames[term]; ok {
		term = iana
	}
	for _, s := range cipherTable {
		if s.name == term {
			id := s.id
			return func(c cipherSuite) bool { return c.id == id }, true
		}
	}
	if s, _ := findSuite(term); s != nil {
		// A suite Go has for TLS 1.3 only, or an RC4 one: never listed.
		return none, true
	}
	var preds []func(cipherSuite) bool
	for part := range strings.SplitSeq(term, "+") {
		p, ok := cipherKeywords[part]
		if !ok {
			return nil, false
		}
		preds = append(preds, p)
	}
	return func(c cipherSuite) bool {
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}, true
}

func none(cipherSuite) bool { return false }

func isAES(c cipherSuite) bool { return strings.HasPrefix(c.enc, "AES_") }

func tls12Only(c cipherSuite) bool { return c.mac == "AEAD" || c.mac == "SHA256" || c.mac == "SHA384" }

// cipherKeywords are OpenSSL's cipher list keywords, over Go's suites.
var cipherKeywords = map[string]func(cipherSuite) bool{
	"ALL":                 func(cipherSuite) bool { return true },
	"DEFAULT":             func(c cipherSuite) bool { return c.secure },
	"COMPLEMENTOFDEFAULT": func(c cipherSuite) bool { return !c.secure },
	"COMPLEMENTOFALL":     none,
	"HIGH":                func(c cipherSuite) bool { return c.enc != "3DES_EDE_CBC" },
	"MEDIUM":              func(c cipherSuite) bool { return c.enc == "3DES_EDE_CBC" },
	"kRSA":                func(c cipherSuite) bool { return c.kx == "RSA" },
	"RSA":                 func(c cipherSuite) bool { return c.kx == "RSA" },
	"aRSA":                func(c cipherSuite) bool { return c.auth == "RSA" },
	"kECDHE":              func(c cipherSuite) bool { return c.kx == "ECDHE" },
	"kEECDH":              func(c cipherSuite) bool { return c.kx == "ECDHE" },
	"ECDHE":               func(c cipherSuite) bool { return c.kx == "ECDHE" },
	"EECDH":               func(c cipherSuite) bool { return c.kx == "ECDHE" },
	"ECDH":                func(c cipherSuite) bool { return c.kx == "ECDHE" },
	"aECDSA":              func(c cipherSuite) bool { return c.auth == "ECDSA" },
	"ECDSA":               func(c cipherSuite) bool { return c.auth == "ECDSA" },
	"AES":                 isAES,
	"AES128":              func(c cipherSuite) bool { return strings.HasPrefix(c.enc, "AES_128") },
	"AES256":              func(c cipherSuite) bool { return strings.HasPrefix(c.enc, "AES_256") },
	"AESGCM":              func(c cipherSuite) bool { return isAES(c) && strings.HasSuffix(c.enc, "GCM") },
	"CHACHA20":            func(c cipherSuite) bool { return strings.HasPrefix(c.enc, "CHACHA20") },
	"3DES":                func(c cipherSuite) bool { return c.enc == "3DES_EDE_CBC" },
	"SHA1":                func(c cipherSuite) bool { return c.mac == "SHA" },
	"SHA":                 func(c cipherSuite) bool { return c.mac == "SHA" },
	"SHA256":              func(c cipherSuite) bool { return c.mac == "SHA256" },
	"SHA384":              func(c cipherSuite) bool { return c.mac == "SHA384" },
	"TLSv1.2":             tls12Only,
	"TLSv1.0":             func(c cipherSuite) bool { return !tls12Only(c) },
	"TLSv1":               func(c cipherSuite) bool { return !tls12Only(c) },
	"SSLv3":               func(c cipherSuite) bool { return !tls12Only(c) },
	// Families Go has no suite of.
	"LOW": none, "EXPORT": none, "EXP": none, "eNULL": none, "NULL": none, "aNULL": none,
	"ADH": none, "AECDH": none, "DES": none, "RC4": none, "RC2": none, "IDEA": none, "SEED": none,
	"MD5": none, "DSS": none, "aDSS": none, "DHE": none, "EDH": none, "kDHE": none, "kEDH": none,
	"DH": none, "kDH": none, "kDHr": none, "kDHd": none, "aDH": none, "kECDHr": none, "kECDHe": none,
	"aECDH": none, "PSK": none, "kPSK": none, "aPSK": none, "kECDHEPSK": none, "kDHEPSK": none,
	"kRSAPSK": none, "SRP": none, "kSRP": none, "aSRP": none, "CAMELLIA": none, "CAMELLIA128": none,
	"CAMELLIA256": none, "ARIA": none, "ARIA128": none, "ARIA256": none, "AESCCM": none,
	"AESCCM8": none, "GOST94": none, "GOST89MAC": none, "aGOST": none, "aGOST01": none,
	"kGOST": none, "eFZA": none, "aFZA": none, "kFZA": none, "FZA": none, "SUITEB128": none,
	"SUITEB128ONLY": none, "SUITEB192": none,
}
