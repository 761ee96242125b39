package mux

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"strings"
	"time"
)

// Error answers r with the HTTP error code the way lws_return_http_status
// does for the vhost: a 404 is redirected (302) to the vhost's
// ErrorDocument404 when it has one (and the request is not for that
// document itself); otherwise the answer is a small synthesized HTML page
// stating code and msg (empty msg: the status text) that links /error.css,
// so a site can style its error pages by serving that file.
//
// A 404 for GET or HEAD of /lws-common.js or /error.css serves the
// framework's copy of that file instead (see CommonJS and ErrorCSS): a
// site's own file, served by a mount, takes precedence. Error may be called on a nil *Vhost: it then answers
// with the synthesized page.
func (v *Vhost) Error(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if code == http.StatusNotFound {
		if a, ok := builtins[r.URL.Path]; ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			a.serve(w, r)
			return
		}
		if v != nil && v.ErrorDocument404 != "" && r.URL.Path != v.ErrorDocument404 {
			http.Redirect(w, r, v.ErrorDocument404, http.StatusFound)
			return
		}
	}
	ErrorPage(w, r, code, msg)
}

// ErrorPage writes the synthesized error page for code: a small HTML
// document with the code, msg (HTML-escaped; empty means the status text)
// and a link to /error.css. Headers a handler set for content it did not
// send (ETag, Last-Modified, Content-Encoding …) are dropped.
func ErrorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	if msg == "" {
		msg = http.StatusText(code)
	}
	h := w.Header()
	for _, k := range []string{"Etag", "Last-Modified", "Content-Encoding", "Content-Length", "Content-Range", "Cache-Control"} {
		h.Del(k)
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	body := fmt.Sprintf(errorPage, code, html.EscapeString(http.StatusText(code)), code, html.EscapeString(msg))
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		fmt.Fprint(w, body)
	}
}

const errorPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>%d %s</title>
<link rel="stylesheet" href="/error.css">
</head><body class="lws-error">
<h1>%d</h1>
<p>%s</p>
</body></html>
`

// CommonJSPath is where vhosts serve CommonJS.
const CommonJSPath = "/lws-common.js"

// CommonJS is lws-common.js: a script a page includes to grey itself out
// while its WebSocket is disconnected. It defines
// lws_gray_out(on, {zindex}) — call lws_gray_out(true, {zindex: 499}) when
// the page loads and from the socket's onclose, lws_gray_out(false) from
// its onopen — and lws_ws_url(path), the ws:// or wss:// URL of path on the
// page's own host.
//
//go:embed assets/lws-common.js
var CommonJS string

// ErrorCSSPath is where vhosts serve ErrorCSS.
const ErrorCSSPath = "/error.css"

// ErrorCSS is the style sheet the synthesized error pages link.
//
//go:embed assets/error.css
var ErrorCSS string

// builtin is a file every vhost serves when no mount has its own.
type builtin struct {
	name, content, contentType, etag string
}

func newBuiltin(name, content, contentType string) builtin {
	sum := sha256.Sum256([]byte(content))
	return builtin{name, content, contentType, `"` + hex.EncodeToString(sum[:8]) + `"`}
}

var builtins = map[string]builtin{
	CommonJSPath: newBuiltin(CommonJSPath, CommonJS, "text/javascript; charset=utf-8"),
	ErrorCSSPath: newBuiltin(ErrorCSSPath, ErrorCSS, "text/css; charset=utf-8"),
}

func (b builtin) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", b.contentType)
	h.Set("Etag", b.etag)
	h.Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, b.name, time.Time{}, strings.NewReader(b.content))
}
