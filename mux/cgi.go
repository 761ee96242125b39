package mux

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultCGIMaxHeaderBytes bounds a CGI script's response headers when
// CGIOptions leaves MaxHeaderBytes zero.
const DefaultCGIMaxHeaderBytes = 64 << 10

// DefaultCGIWriteStallTimeout is CGIOptions.WriteStallTimeout when left
// zero.
const DefaultCGIWriteStallTimeout = 30 * time.Second

// CGIOptions configure a CGI mount. A nil *CGIOptions means all defaults.
type CGIOptions struct {
	// Env is extra environment for the script (lws's cgienv), on top of the
	// CGI/1.1 variables; it may override them.
	Env map[string]string
	// InheritEnv names variables of the server's own environment passed on
	// when set (PATH always is).
	InheritEnv []string
	// Args are extra arguments for the script.
	Args []string
	// Dir is the script's working directory. Empty means the script's own
	// directory.
	Dir string
	// Timeout bounds each run of the script (lws's cgi_timeout): when it is
	// exceeded the script and every process it started are killed and the
	// request ends — with 504 if no header was sent yet, else by cutting
	// the response off, so the client sees it incomplete. Zero means no
	// limit other than the client going away.
	Timeout time.Duration
	// WriteStallTimeout bounds each write of the response to the client: a
	// client that takes nothing of it for that long (it stopped reading, but
	// keeps the connection open) has its response cut off, and the script
	// and every process it started are killed and reaped. It is a stall
	// limit, renewed by every write, not a bound on the whole response: a
	// slow client that keeps reading is served for as long as the script
	// runs. Zero means DefaultCGIWriteStallTimeout (30 s); negative means no
	// limit. It needs a ResponseWriter that supports write deadlines
	// (net/http's for HTTP/1 and HTTP/2 do; see
	// http.ResponseController.SetWriteDeadline).
	WriteStallTimeout time.Duration
	// MaxHeaderBytes bounds the script's response header section. Zero means
	// DefaultCGIMaxHeaderBytes.
	MaxHeaderBytes int
	// Stderr receives the script's standard error. Nil means os.Stderr.
	Stderr io.Writer
	// Logger receives errors of scripts. Nil means slog.Default().
	Logger *slog.Logger
}

// CGI is a CGI mount (lws's LWSMPRO_CGI): each request under the mount runs
// the script with a CGI/1.1 environment (RFC 3875, as net/http/cgi builds
// it) and streams its output to the client as the script produces it —
// every piece the script writes is flushed at once, over HTTP/1 and HTTP/2
// alike. A script that frames its own output with Transfer-Encoding:
// chunked is decoded, so the response is valid HTTP/2 (which forbids that
// header) and is re-framed by net/http for HTTP/1. The httpoxy "Proxy"
// request header never reaches the script as HTTP_PROXY, and request headers
// whose names hold an underscore are left out (as nginx and Apache do): in
// CGI form X_Forwarded_For would collide with X-Forwarded-For.
//
// The script runs in a process group of its own, so a timeout or a client
// that goes away kills it and everything it started. Make one with NewCGI.
//
// A CGI is safe for concurrent use: each request runs its own process.
type CGI struct {
	mount  string
	script string
	o      CGIOptions
	env    []string // the sorted "K=V" of o.Env
	log    *slog.Logger
}

// NewCGI returns the handler of a CGI mount at mountPath (the Mount's Path)
// running script, which must be an executable file.
func NewCGI(mountPath, script string, o *CGIOptions) (*CGI, error) {
	fi, err := os.Stat(script)
	if err != nil {
		return nil, fmt.Errorf("mux: CGI mount %q: %w", mountPath, err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return nil, fmt.Errorf("mux: CGI mount %q: %s is not an executable file", mountPath, script)
	}
	h := &CGI{mount: strings.TrimSuffix(mountPath, "/"), script: script}
	if o != nil {
		h.o = *o
	}
	for k, v := range h.o.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.Contains(v, "\x00") {
			return nil, fmt.Errorf("mux: CGI mount %q: bad environment variable %q", mountPath, k)
		}
		h.env = append(h.env, k+"="+v)
	}
	sort.Strings(h.env)
	if h.o.MaxHeaderBytes <= 0 {
		h.o.MaxHeaderBytes = DefaultCGIMaxHeaderBytes
	}
	if h.o.Stderr == nil {
		h.o.Stderr = os.Stderr
	}
	if h.o.WriteStallTimeout == 0 {
		h.o.WriteStallTimeout = DefaultCGIWriteStallTimeout
	}
	h.log = h.o.Logger
	if h.log == nil {
		h.log = slog.Default()
	}
	h.log = h.log.With("mount", mountPath, "script", script)
	return h, nil
}

// ServeHTTP runs the script for r.
func (h *CGI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Every write to the client is bounded by the write stall timeout: the
	// vhost's stall writer (found under any writer that wraps it, such as
	// the Observer's), or one of the mount's own when there is none; the
	// mount's timeout takes the vhost's place. One stall writer per
	// response: two would both set the connection's write deadline.
	if sw := findStallWriter(w); sw != nil {
		sw.d = h.o.WriteStallTimeout
	} else {
		sw = newStallWriter(w, h.o.WriteStallTimeout)
		defer sw.done()
		w = sw
	}
	if r.ContentLength < 0 {
		// CGI hands the body over with CONTENT_LENGTH; one of unknown
		// length (chunked, or HTTP/2 without content-length) cannot be.
		http.Error(w, "CGI needs a request body of known length", http.StatusLengthRequired)
		return
	}
	var ctx context.Context
	var cancel context.CancelFunc
	if h.o.Timeout > 0 {
		ctx, cancel = context.WithTimeout(r.Context(), h.o.Timeout)
	} else {
		ctx, cancel = context.WithCancel(r.Context())
	}
	defer cancel()

	cmd := exec.CommandContext(ctx, h.script, h.o.Args...)
	cmd.Dir = h.o.Dir
	if cmd.Dir == "" {
		cmd.Dir = dirOf(h.script)
	}
	cmd.Env = h.environ(r)
	cmd.Stderr = h.o.Stderr
	if r.ContentLength > 0 {
		cmd.Stdin = r.Body
		// A script may answer before it has read all of the body: HTTP/1
		// keeps the body readable after the header only in full duplex.
		_ = http.NewResponseController(w).EnableFullDuplex()
	}
	ownProcessGroup(cmd) // the Cancel that kills the script's whole group
	cmd.WaitDelay = time.Second
	stdout, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		h.log.Warn("cgi: cannot start script", "err", err)
		http.Error(w, "cannot start CGI script", http.StatusInternalServerError)
		return
	}
	rc := http.NewResponseController(w)
	abort := h.relay(ctx, w, rc, stdout)
	if abort {
		cancel() // kill the script before waiting for it
	}
	if err := cmd.Wait(); err != nil && ctx.Err() == nil {
		h.log.Info("cgi: script ended", "err", err)
	}
	if abort {
		// The response is cut off: the client must not take the part it
		// got for the whole. This is net/http's way to say so (a closed
		// HTTP/1 connection, an HTTP/2 stream reset); it logs nothing.
		panic(http.ErrAbortHandler)
	}
}

// relay copies the script's response to w (over a stall writer: each write
// and flush is bounded by the write stall timeout), flushing every piece.
// It reports whether the response must be aborted because it was sent only in
// part.
func (h *CGI) relay(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, stdout io.Reader) (abort bool) {
	lim := &headerLimit{r: stdout, n: h.o.MaxHeaderBytes}
	br := bufio.NewReaderSize(lim, 4096)
	hdr, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			h.log.Info("cgi: timeout before the header", "timeout", h.o.Timeout)
			http.Error(w, "CGI script timed out", http.StatusGatewayTimeout)
		case ctx.Err() != nil: // the client went away
		default:
			h.log.Info("cgi: bad response header", "err", err)
			http.Error(w, "bad CGI response header", http.StatusBadGateway)
		}
		return false
	}
	lim.n = -1 // the body is not limited
	status, err := cgiStatus(http.Header(hdr))
	if err != nil {
		h.log.Info("cgi: bad response header", "err", err)
		http.Error(w, "bad CGI response header", http.StatusBadGateway)
		return false
	}
	chunked := httpguts.HeaderValuesContainsToken(http.Header(hdr).Values("Transfer-Encoding"), "chunked")
	for _, k := range hopHeaders {
		delete(hdr, k)
	}
	if chunked {
		delete(hdr, "Content-Length")
	}
	out := w.Header()
	for k, vv := range hdr {
		out[k] = vv
	}
	w.WriteHeader(status)
	if rc.Flush() != nil {
		return true // the client went away, or stalled: the script must die
	}

	var body io.Reader = br
	if chunked {
		// Decoded as it arrives, so a streamed script stays streamed; a
		// broken framing or an early end is an error of Read.
		body = httputil.NewChunkedReader(br)
	}
	buf := make([]byte, 32<<10)
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					h.log.Info("cgi: the client stopped reading", "stall", h.o.WriteStallTimeout)
				}
				return true
			}
			if err := rc.Flush(); err != nil {
				return true // the client went away, or stopped reading
			}
		}
		if rerr != nil {
			if rerr != io.EOF || ctx.Err() != nil {
				switch {
				case errors.Is(ctx.Err(), context.DeadlineExceeded):
					h.log.Info("cgi: timeout", "timeout", h.o.Timeout)
				case chunked && ctx.Err() == nil:
					h.log.Info("cgi: bad chunked output", "err", rerr)
				}
				return true
			}
			return false
		}
	}
}

// hopHeaders are the connection-level headers a script must not set on the
// response: net/http frames the body itself.
var hopHeaders = []string{
	"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Te", "Trailer", "Upgrade",
}

// cgiStatus takes the status out of a script's header: "Status: 404 Not
// Found", else 302 with a Location, else 200.
func cgiStatus(h http.Header) (int, error) {
	s := h.Get("Status")
	h.Del("Status")
	if s == "" {
		if h.Get("Location") != "" {
			return http.StatusFound, nil
		}
		return http.StatusOK, nil
	}
	code, _, _ := strings.Cut(s, " ")
	n, err := strconv.Atoi(code)
	if err != nil || len(code) != 3 || n < 200 {
		return 0, fmt.Errorf("bad Status %q", s)
	}
	return n, nil
}

// environ builds the script's environment (RFC 3875 section 4.1).
func (h *CGI) environ(r *http.Request) []string {
	port := "80"
	if r.TLS != nil {
		port = "443"
	}
	serverName := r.Host
	if host, p, err := net.SplitHostPort(r.Host); err == nil {
		serverName, port = host, p
	}
	env := []string{
		"SERVER_SOFTWARE=golws",
		"SERVER_NAME=" + serverName,
		"SERVER_PORT=" + port,
		"SERVER_PROTOCOL=" + r.Proto,
		"GATEWAY_INTERFACE=CGI/1.1",
		"REQUEST_METHOD=" + r.Method,
		"REQUEST_URI=" + r.URL.RequestURI(),
		"QUERY_STRING=" + r.URL.RawQuery,
		"SCRIPT_NAME=" + h.mount,
		"SCRIPT_FILENAME=" + h.script,
		"PATH_INFO=" + strings.TrimPrefix(r.URL.Path, h.mount),
		"HTTP_HOST=" + r.Host,
	}
	if ip, p, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		env = append(env, "REMOTE_ADDR="+ip, "REMOTE_HOST="+ip, "REMOTE_PORT="+p)
	} else {
		env = append(env, "REMOTE_ADDR="+r.RemoteAddr, "REMOTE_HOST="+r.RemoteAddr)
	}
	if r.TLS != nil {
		env = append(env, "HTTPS=on")
	}
	if r.ContentLength > 0 {
		env = append(env, "CONTENT_LENGTH="+strconv.FormatInt(r.ContentLength, 10))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		env = append(env, "CONTENT_TYPE="+ct)
	}
	for k, vv := range r.Header {
		if strings.ContainsRune(k, '_') {
			// X_Forwarded_For would become HTTP_X_FORWARDED_FOR as
			// X-Forwarded-For does, and which one the script saw would be
			// left to chance: drop such names, as nginx and Apache do.
			continue
		}
		name := cgiHeaderName(k)
		switch name {
		case "PROXY": // httpoxy: HTTP_PROXY would steer the script's own requests
			continue
		case "CONTENT_TYPE", "CONTENT_LENGTH", "HOST":
			continue // passed above without the HTTP_ prefix, or already
		}
		sep := ", "
		if name == "COOKIE" {
			sep = "; "
		}
		env = append(env, "HTTP_"+name+"="+strings.Join(vv, sep))
	}
	path := os.Getenv("PATH")
	if path == "" {
		path = "/bin:/usr/bin:/usr/local/bin"
	}
	env = append(env, "PATH="+path)
	for _, k := range h.o.InheritEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return dedupEnv(append(env, h.env...))
}

// cgiHeaderName turns a header name into its CGI form: upper case, '-' as
// '_', anything else unusual as '_'.
func cgiHeaderName(k string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			return r
		}
		return '_'
	}, k)
}

// dedupEnv keeps the last value of each variable, so later entries (the
// mount's Env) override earlier ones.
func dedupEnv(env []string) []string {
	last := make(map[string]int, len(env))
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		last[k] = i
	}
	out := env[:0:0]
	for i, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if last[k] == i {
			out = append(out, kv)
		}
	}
	return out
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		if i == 0 {
			return "/"
		}
		return path[:i]
	}
	return "."
}

// headerLimit fails reads once more than n bytes were read, while n >= 0:
// it bounds the header section, then the body is read unlimited.
type headerLimit struct {
	r io.Reader
	n int
}

func (l *headerLimit) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errors.New("CGI response header too large")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= n
	return n, err
}
