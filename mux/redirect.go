package mux

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrBadOrigin is returned for a mount origin that cannot be used: not an
// absolute http:// or https:// URL, or one with a query or fragment.
var ErrBadOrigin = errors.New("mux: bad mount origin")

// Redirect is a redirect mount (lws's LWSMPRO_REDIR_HTTP and
// LWSMPRO_REDIR_HTTPS): every request under the mount is sent to the same
// place under an http:// or https:// origin, keeping the path below the
// mountpoint and the query. Make one with NewRedirect.
//
// A Redirect is safe for concurrent use.
type Redirect struct {
	mount  string
	origin *url.URL
	status int
}

// NewRedirect returns the handler of a redirect mount at mountPath (the
// Mount's Path) to origin, such as "https://example.com/new". status is
// the redirect's status code: 301, 302, 303, 307 or 308; zero means 301, as
// lws answers.
func NewRedirect(mountPath, origin string, status int) (*Redirect, error) {
	u, err := parseOrigin(origin)
	if err != nil {
		return nil, err
	}
	if status == 0 {
		status = http.StatusMovedPermanently
	}
	if !isRedirectStatus(status) {
		return nil, fmt.Errorf("mux: redirect mount %q: status %d is not a redirect (301, 302, 303, 307 or 308)", mountPath, status)
	}
	return &Redirect{mount: mountPath, origin: u, status: status}, nil
}

// ServeHTTP answers with the redirect.
func (h *Redirect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	loc := h.origin.Scheme + "://" + h.origin.Host + joinPath(h.origin.EscapedPath(), below(r.URL, h.mount))
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, loc, h.status)
}

// HTTPSRedirect sends every request to the same host, path and query over
// https (lws's LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS): serve it as the
// whole handler of a plain-http listener. Requests that already came over
// TLS go to Next, so it may also wrap a handler that serves both. The zero
// value redirects everything to port 443 with 301.
//
// An HTTPSRedirect is safe for concurrent use; its fields must not change
// while it serves.
type HTTPSRedirect struct {
	// Port is the https port; zero means 443, which is left out of the URL.
	Port int
	// Status is the redirect status; zero means 301.
	Status int
	// Next serves requests that arrived over TLS. Nil means they are
	// redirected too (to the same URL, which is harmless but useless).
	Next http.Handler
}

// ServeHTTP redirects plain-http requests and passes TLS ones to Next.
func (h *HTTPSRedirect) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS != nil && h.Next != nil {
		h.Next.ServeHTTP(w, r)
		return
	}
	host := r.Host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	if host == "" || strings.ContainsAny(host, "/?#@ \\") {
		http.Error(w, "mux: cannot redirect to https: bad Host header", http.StatusBadRequest)
		return
	}
	if strings.Contains(host, ":") { // an IPv6 literal without its port
		host = "[" + strings.Trim(host, "[]") + "]"
	}
	if h.Port != 0 && h.Port != 443 {
		host = fmt.Sprintf("%s:%d", host, h.Port)
	}
	status := h.Status
	if status == 0 {
		status = http.StatusMovedPermanently
	}
	http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), status)
}

func parseOrigin(origin string) (*url.URL, error) {
	u, err := url.Parse(origin)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %v", ErrBadOrigin, origin, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%w %q: want an http:// or https:// URL with a host", ErrBadOrigin, origin)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("%w %q: no query, fragment or user info allowed", ErrBadOrigin, origin)
	}
	return u, nil
}

func isRedirectStatus(s int) bool {
	switch s {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}
