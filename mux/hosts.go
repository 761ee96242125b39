package mux

import (
	"net"
	"net/http"
	"strings"
)

// Hosts picks the vhost for a request the way lws does: strip any :port
// from the Host header, take the vhost of exactly that name, else the vhost
// whose name is a parent domain of it (cats.abc.com → abc.com, the longest
// such name winning), else the first vhost, the listener's default.
// Names are compared without regard to case. A Hosts with no vhosts answers
// 404.
type Hosts []*Vhost

// Match returns the vhost for host (a Host header or TLS server name).
func (hs Hosts) Match(host string) *Vhost {
	if len(hs) == 0 {
		return nil
	}
	name := strings.ToLower(stripPort(host))
	var best *Vhost
	for _, v := range hs {
		vn := strings.ToLower(v.Name)
		if vn == name {
			return v
		}
		if vn != "" && strings.HasSuffix(name, "."+vn) && (best == nil || len(vn) > len(best.Name)) {
			best = v
		}
	}
	if best != nil {
		return best
	}
	return hs[0]
}

// ServeHTTP hands the request to the matching vhost.
func (hs Hosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := hs.Match(r.Host)
	if v == nil {
		http.NotFound(w, r)
		return
	}
	v.ServeHTTP(w, r)
}

func stripPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}
