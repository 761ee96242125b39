package mux

import (
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// ProxyOptions configure a proxy mount. A nil *ProxyOptions means all
// defaults.
type ProxyOptions struct {
	// Transport makes the requests to the origin. Nil means
	// http.DefaultTransport; set one with the origin's CA in its TLS config
	// for an https:// origin with a private certificate.
	Transport http.RoundTripper
	// FlushInterval is how often the response is flushed to the client
	// while it is copied; negative flushes after every write. Zero means
	// ReverseProxy's default (streaming responses such as
	// text/event-stream are flushed at once anyway).
	FlushInterval time.Duration
	// Logger receives proxy errors. Nil means slog.Default().
	Logger *slog.Logger
}

// Proxy is a proxy mount (lws's LWSMPRO_HTTP and LWSMPRO_HTTPS): requests
// under the mount go to an http:// or https:// origin through
// httputil.ReverseProxy, the path below the mountpoint appended to the
// origin's path, the query kept, and X-Forwarded-For, -Host and -Proto set.
// WebSocket upgrades pass through to the origin. Make one with NewProxy.
//
// A Proxy is safe for concurrent use.
type Proxy struct {
	mount  string
	origin *url.URL
	rp     *httputil.ReverseProxy
}

// NewProxy returns the handler of a proxy mount at mountPath (the Mount's
// Path) to origin, such as "http://127.0.0.1:8080/app".
func NewProxy(mountPath, origin string, o *ProxyOptions) (*Proxy, error) {
	u, err := parseOrigin(origin)
	if err != nil {
		return nil, err
	}
	if o == nil {
		o = &ProxyOptions{}
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	p := &Proxy{mount: mountPath, origin: u}
	p.rp = &httputil.ReverseProxy{
		Rewrite:       p.rewrite,
		Transport:     o.Transport,
		FlushInterval: o.FlushInterval,
		ErrorLog:      log.New(&slogWriter{logger.With("mount", mountPath, "origin", origin)}, "", 0),
	}
	return p, nil
}

// rewrite maps the request onto the origin.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	out := pr.Out.URL
	rel := below(pr.In.URL, p.mount)
	out.Scheme, out.Host = p.origin.Scheme, p.origin.Host
	escaped := joinPath(p.origin.EscapedPath(), rel)
	if path, err := url.PathUnescape(escaped); err == nil {
		out.Path, out.RawPath = path, escaped
	}
	pr.Out.Host = "" // the origin's own host name
	pr.SetXForwarded()
}

// ServeHTTP forwards the request to the origin and copies the answer back.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.rp.ServeHTTP(w, r) }

// HandlesUpgrades reports true: WebSocket upgrades under a proxy mount go
// to the origin, not to the vhost's protocols.
func (p *Proxy) HandlesUpgrades() bool { return true }

// slogWriter turns ReverseProxy's log lines into slog records.
type slogWriter struct{ l *slog.Logger }

func (w *slogWriter) Write(p []byte) (int, error) {
	msg := string(p)
	if n := len(msg); n > 0 && msg[n-1] == '\n' {
		msg = msg[:n-1]
	}
	w.l.Info("proxy", "err", msg)
	return len(p), nil
}
