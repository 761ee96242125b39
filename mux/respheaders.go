package mux

import (
	"net/http"
	"strings"
)

// STSValue is the Strict-Transport-Security value a vhost with STS sends,
// lws's: half a year, subdomains included.
const STSValue = "max-age=15768000 ; includeSubDomains"

// AgentRule refuses requests whose User-Agent holds Keyword with Status
// (lwsws's global "reject-service-keywords").
type AgentRule struct {
	// Keyword is a substring of the User-Agent header.
	Keyword string
	// Status is the HTTP status answered, such as 404.
	Status int
	// Message is the status text sent with it ("Not Found"); empty means
	// http.StatusText(Status).
	Message string
}

// responseHeaders adds the vhost's own headers (Server, STS, extra
// Headers) to w before the request is served.
func (v *Vhost) responseHeaders(w http.ResponseWriter) {
	h := w.Header()
	if v.ServerString != "" {
		h.Set("Server", v.ServerString)
	}
	if v.STS {
		h.Set("Strict-Transport-Security", STSValue)
	}
	for k, vals := range v.Headers {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), vals...)
	}
}

// rejectAgent answers r if a RejectAgents rule matches its User-Agent,
// and reports whether it did.
func (v *Vhost) rejectAgent(w http.ResponseWriter, r *http.Request) bool {
	if ua := r.Header.Get("User-Agent"); ua != "" {
		for _, rule := range v.RejectAgents {
			if rule.Keyword != "" && strings.Contains(ua, rule.Keyword) {
				msg := rule.Message
				if msg == "" {
					msg = http.StatusText(rule.Status)
				}
				http.Error(w, msg, rule.Status)
				return true
			}
		}
	}
	return false
}
