package mux

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"os"
	"strings"
)

// BasicAuth protects a mount with HTTP Basic authentication against a
// credentials file, as lws's mount basic_auth_login_file does: the file
// holds one "user:password" line per user, in plain text, and is read
// again for every request, so edits apply at once. Set it in
// Mount.BasicAuth.
//
// A request without credentials, or with ones the file does not hold, is
// answered 401 with "WWW-Authenticate: Basic realm=..."; a malformed
// Authorization header (not Basic, not base64, no colon) gets 403, as in
// lws. An authenticated request carries the user name: BasicAuthUser.
type BasicAuth struct {
	// File is the credentials file.
	File string
	// Realm is the realm announced. Empty means "lwsws", lws's.
	Realm string
}

// maxBasicAuth bounds the Authorization header's credentials, as lws
// bounds them (160 base64 characters).
const maxBasicAuth = 160

type basicAuthUserKey struct{}

// BasicAuthUser returns the user a BasicAuth mount authenticated r as, or
// "" when none did.
func BasicAuthUser(r *http.Request) string {
	u, _ := r.Context().Value(basicAuthUserKey{}).(string)
	return u
}

// authorize checks r's credentials. On success it returns r carrying the
// user name; otherwise it has answered r and returns nil.
func (a *BasicAuth) authorize(v *Vhost, w http.ResponseWriter, r *http.Request) *http.Request {
	h := r.Header.Get("Authorization")
	if h == "" {
		a.challenge(w)
		return nil
	}
	scheme, b64, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Basic") || len(b64) > maxBasicAuth {
		v.Error(w, r, http.StatusForbidden, "")
		return nil
	}
	plain, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	user, _, ok := strings.Cut(string(plain), ":")
	if err != nil || !ok {
		v.Error(w, r, http.StatusForbidden, "")
		return nil
	}
	if !a.holds(v, plain) {
		a.challenge(w)
		return nil
	}
	return r.WithContext(context.WithValue(r.Context(), basicAuthUserKey{}, user))
}

// challenge answers 401 with the realm.
func (a *BasicAuth) challenge(w http.ResponseWriter) {
	realm := a.Realm
	if realm == "" {
		realm = "lwsws"
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="`+strings.ReplaceAll(realm, `"`, `'`)+`"`)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// holds reports whether the credentials file has the line cred
// ("user:password"), comparing every line in constant time.
func (a *BasicAuth) holds(v *Vhost, cred []byte) bool {
	f, err := os.Open(a.File)
	if err != nil {
		v.logger().Error("basic auth: cannot open the credentials file", "file", a.File, "err", err)
		return false
	}
	defer f.Close()
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		found |= subtle.ConstantTimeCompare([]byte(line), cred)
	}
	return found == 1
}
