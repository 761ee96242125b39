package mux

import (
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/golws/lws/fops"
)

// FileOptions configure a file mount (lws LWSMPRO_FILE). The zero value
// serves index.html for directories and forbids caching (no-store).
type FileOptions struct {
	// Default is the document served for a directory (lws def). Empty
	// means "index.html".
	Default string
	// ExtraMIME maps extensions, such as ".wasm" or "md", to content
	// types, ahead of mime.TypeByExtension (lws extra_mimetypes). Without
	// either, the type is sniffed from the content.
	ExtraMIME map[string]string
	// MaxAge is how long, in seconds, a response may be cached (lws
	// cache_max_age). Caching is allowed only when MaxAge > 0 and Reusable.
	MaxAge int
	// Reusable allows caches to keep responses (lws cache_reusable);
	// without it (or without MaxAge) responses carry "no-store".
	Reusable bool
	// Revalidate adds "must-revalidate" (lws cache_revalidate).
	Revalidate bool
	// Intermediaries lets shared caches (proxies, CDNs) keep responses:
	// "public" instead of "private" (lws cache_intermediaries).
	Intermediaries bool
	// Interpret maps file name suffixes (".html") to handlers that serve
	// such files in place of the mount (lws interpret): the handler finds
	// the file with InterpretedFile.
	Interpret map[string]http.Handler
}

// CacheControl is the Cache-Control value for responses under o, as lws
// writes it: "no-store", or "[must-revalidate, ]public|private, max-age=N".
func (o *FileOptions) CacheControl() string {
	if o.MaxAge <= 0 || !o.Reusable {
		return "no-store"
	}
	scope := "private"
	if o.Intermediaries {
		scope = "public"
	}
	cc := scope + ", max-age=" + strconv.Itoa(o.MaxAge)
	if o.Revalidate {
		cc = "must-revalidate, " + cc
	}
	return cc
}

// FileMount returns a mount at mountpoint serving fsys through FileServer.
func FileMount(mountpoint string, fsys fops.FS, o *FileOptions) Mount {
	return Mount{Path: mountpoint, Handler: FileServer(mountpoint, fsys, o)}
}

// FileServer returns a handler serving GET and HEAD requests under
// mountpoint from fsys: the mountpoint is stripped from the URL path and the
// rest is cleaned with fops.Clean, so nothing reaches outside fsys ("..",
// encoded slashes and NULs are refused with 403). A directory gets its
// default document, a directory named without its final slash a redirect.
// Responses carry Content-Type, Last-Modified, an ETag, Cache-Control and
// "Vary: Accept-Encoding", answer If-Modified-Since / If-None-Match with
// 304 and Range with 206 (http.ServeContent). A file fsys hands out gzipped
// (fops.IsGzip, such as a deflated zip entry for a client accepting gzip)
// goes out as it is with "Content-Encoding: gzip".
//
// Errors are answered as the vhost serving the request answers them (see
// Vhost.Error); outside a Vhost, with the synthesized error page.
// A nil o means the zero FileOptions.
func FileServer(mountpoint string, fsys fops.FS, o *FileOptions) http.Handler {
	fsrv := &fileServer{mount: strings.TrimSuffix(mountpoint, "/"), fsys: fsys}
	if o != nil {
		fsrv.opts = *o
	}
	if fsrv.opts.Default == "" {
		fsrv.opts.Default = "index.html"
	}
	fsrv.mime = map[string]string{}
	for ext, typ := range fsrv.opts.ExtraMIME {
		if !strings.HasPrefix(ext, ".") {
			ext = "." + ext
		}
		fsrv.mime[strings.ToLower(ext)] = typ
	}
	fsrv.cacheControl = fsrv.opts.CacheControl()
	return fsrv
}

type fileServer struct {
	mount        string // without a trailing slash: "" for "/"
	fsys         fops.FS
	opts         FileOptions
	mime         map[string]string
	cacheControl string
}

// vhostHandler is implemented by the mux's own handlers, which answer
// errors the way the vhost serving them does.
type vhostHandler interface {
	serveVhost(v *Vhost, w http.ResponseWriter, r *http.Request)
}

// serveMount runs a mount's handler for v.
func serveMount(v *Vhost, h http.Handler, w http.ResponseWriter, r *http.Request) {
	if vh, ok := h.(vhostHandler); ok {
		vh.serveVhost(v, w, r)
		return
	}
	h.ServeHTTP(w, r)
}

func (s *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.serveVhost(nil, w, r) }

func (s *fileServer) serveVhost(v *Vhost, w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		v.Error(w, r, http.StatusMethodNotAllowed, "")
		return
	}
	rel, ok := strings.CutPrefix(r.URL.Path, s.mount)
	if !ok || (rel != "" && rel[0] != '/') {
		v.Error(w, r, http.StatusNotFound, "")
		return
	}
	if rel == "" { // the mountpoint itself: its directory, with the slash
		redirectSlash(w, r)
		return
	}
	if raw := strings.ToLower(r.URL.RawPath); strings.Contains(raw, "%2f") || strings.Contains(raw, "%5c") {
		v.Error(w, r, http.StatusForbidden, "Encoded slashes are not allowed in file paths.")
		return
	}
	name, err := fops.Clean(rel)
	if err != nil {
		v.Error(w, r, http.StatusForbidden, "")
		return
	}
	isDir := strings.HasSuffix(rel, "/")
	if isDir {
		name = path.Join(name, s.opts.Default)
	}
	if s.opts.Interpret != nil && s.interpret(w, r, name) {
		return
	}
	flags := fops.Read
	if AcceptsGzip(r.Header) {
		flags |= fops.AcceptGzip
	}
	f, err := s.fsys.OpenFile(name, flags)
	if err != nil {
		switch {
		case errors.Is(err, fops.ErrIsDir) && !isDir:
			redirectSlash(w, r)
		case errors.Is(err, fops.ErrIsDir), errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR),
			errors.Is(err, syscall.ENAMETOOLONG): // no file can have that name
			v.Error(w, r, http.StatusNotFound, "")
		case errors.Is(err, fops.ErrInvalidPath), errors.Is(err, fops.ErrEscapes), errors.Is(err, fs.ErrPermission):
			v.Error(w, r, http.StatusForbidden, "")
		default:
			v.logger().Warn("file mount", "path", logValue(r.URL.Path), "err", logValue(err.Error()))
			v.Error(w, r, http.StatusInternalServerError, "")
		}
		return
	}
	defer f.Close()
	h := w.Header()
	fl := f.Flags()
	ctype := s.mime[strings.ToLower(path.Ext(name))]
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(name))
	}
	if ctype == "" && fl.Has(fops.IsGzip) {
		ctype = "application/octet-stream" // never sniff compressed bytes
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	h.Set("Cache-Control", s.cacheControl)
	h.Add("Vary", "Accept-Encoding")
	if fl.Has(fops.IsGzip) {
		h.Set("Content-Encoding", "gzip")
	}
	if fl.Has(fops.ModTimeValid) {
		etag := make([]byte, 0, 40)
		etag = append(etag, '"')
		etag = strconv.AppendInt(etag, f.ModTime().UnixNano(), 16)
		etag = append(etag, '-')
		etag = strconv.AppendInt(etag, f.Length(), 16)
		if fl.Has(fops.IsGzip) {
			etag = append(etag, "-gz"...)
		}
		h["Etag"] = []string{string(append(etag, '"'))}
	}
	rc := &readCatcher{File: f}
	var content io.ReadSeeker = rc
	if of, ok := f.(fops.OSFile); ok {
		// The *os.File itself lets net/http use sendfile; errors reading
		// a local file are left to ServeContent (it ends the response).
		content = of.OSFile()
	}
	if fl.Has(fops.IsGzip) {
		// http.ServeContent sends no Content-Length with a
		// Content-Encoding, and ranges of a gzip stream help nobody:
		// serve the whole stream, its length known.
		r2 := *r
		r2.Header = r.Header.Clone()
		r2.Header.Del("Range")
		r = &r2
		w = &lengthWriter{ResponseWriter: w, length: strconv.FormatInt(f.Length(), 10)}
	}
	http.ServeContent(w, r, name, f.ModTime(), content)
	if rc.err != nil {
		// The content failed mid-way (a corrupt zip entry, an I/O error):
		// cut the connection so the client cannot take it for complete.
		v.logger().Warn("file mount: reading failed", "path", logValue(r.URL.Path), "err", logValue(rc.err.Error()))
		panic(http.ErrAbortHandler)
	}
}

// maxLogValue bounds what logValue keeps of a string.
const maxLogValue = 256

// logValue bounds s, which may hold client input (a request path, an
// error that quotes it), for a log line: past maxLogValue bytes it is cut,
// at a character boundary, and marked with how long it was.
func logValue(s string) string {
	if len(s) <= maxLogValue {
		return s
	}
	cut := maxLogValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated, " + strconv.Itoa(len(s)) + " bytes]"
}

// readCatcher remembers the first read error other than io.EOF, which
// http.ServeContent does not report.
type readCatcher struct {
	fops.File
	err error
}

func (c *readCatcher) Read(p []byte) (int, error) {
	n, err := c.File.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// lengthWriter sets Content-Length on a 200 response.
type lengthWriter struct {
	http.ResponseWriter
	length string
}

func (w *lengthWriter) WriteHeader(code int) {
	if code == http.StatusOK {
		w.Header().Set("Content-Length", w.length)
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *lengthWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// redirectSlash sends r to its path with a slash added, query kept.
func redirectSlash(w http.ResponseWriter, r *http.Request) {
	u := path.Base(r.URL.Path) + "/"
	if r.URL.Path == "/" || r.URL.Path == "" {
		u = "/"
	}
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, u, http.StatusMovedPermanently)
}
