// Package lwsws reads lwsws's JSON configuration (a global file and a
// directory of vhost files) and builds an lws.Server from it: Load parses,
// naming the file, line and key of every mistake; New binds the vhosts,
// their listeners, TLS, mounts and protocols (registered plugins).
package lwsws

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/golws/lws/logging"
)

// Config is the configuration of a generic golws server, lwsws's role: a
// global file plus a directory of per-vhost files merged in. The JSON is
// lwsws's: values are usually strings ("port": "7681"), numbers are accepted
// too, and unknown keys, wrong types and bad origins are errors that name the
// file, the line and the key.
type Config struct {
	Global Global
	Vhosts []Vhost
	// DataDir replaces lws's "_lws_ddir_" macro in the vhosts' strings
	// (origins, paths), as lwsws puts its install data directory there.
	// Empty means DefaultDataDir. Set it before Parse or Config.Load.
	DataDir string
	// Warnings are the keys Parse accepted that have no effect in golws,
	// each with why.
	Warnings []Warning
}

// DefaultDataDir is where Debian installs lws's data
// (/usr/share/libwebsockets-test-server): "_lws_ddir_" expands to it
// unless Config.DataDir says otherwise.
const DefaultDataDir = "/usr/share"

// dataDirMacro is lws's ESC_INSTALL_DATADIR.
const dataDirMacro = "_lws_ddir_"

// Warning is a key of the configuration that golws accepts but that
// changes nothing, and why.
type Warning struct {
	File string
	Line int
	Key  string
	Why  string
}

// String reads "file:line: key: has no effect in golws: why".
func (w Warning) String() string {
	return fmt.Sprintf("%s:%d: %s: has no effect in golws: %s", w.File, w.Line, w.Key, w.Why)
}

// Global holds the "global" object.
type Global struct {
	UID, GID      int    // "uid", "gid": the ids to run as once the listeners are bound (0: unchanged)
	Username      string // "username": the user to run as (wins over uid)
	Groupname     string // "groupname": the group to run as (wins over gid)
	InitSSL       bool   // "init-ssl": TLS is used at all (vhost certificates, https:// proxy origins), as in lws
	ServerString  string // "server-string": the Server header of every response
	DefaultALPN   string // "default-alpn": ALPN list of vhosts that give none ("http/1.1" turns HTTP/2 off)
	RlimitNofile  int    // "rlimit-nofile": the open-file limit to set (0: unchanged)
	RejectAgents  []Keyword
	Interface     string // "interface": default address (or device) vhosts listen on
	PingPongSecs  int    // "ws-pingpong-secs": WebSocket ping interval
	TimeoutSecs   int    // "timeout-secs": read-header timeout
	LogLevel      string // "log-level": err, warn, notice, info or debug
	ShutdownSecs  int    // "shutdown-secs": how long shutdown may take
	MaxConns      int    // "max-connections"
	IPLimitConns  int    // "ip-limit-wsi": connections per peer IP
	IPLimitActive int    // "ip-limit-ah": requests in progress per peer IP
	// Fanout is the "fanout" object: options of package hub (backend,
	// ring size and policy, NATS URLs, embedded server and cluster) given
	// to every protocol of every vhost under its own "ws-protocols"
	// options, which win. Plugins that broadcast (lws-mirror-protocol)
	// read them; golws's own, not lwsws's.
	Fanout map[string]string
}

// Keyword is one entry of "reject-service-keywords": requests whose
// User-Agent holds Keyword are answered with Status ("404 Not Found").
type Keyword struct {
	Keyword, Status string
}

// Vhost is one entry of a "vhosts" array.
type Vhost struct {
	Name                 string // "name"
	Port                 int    // "port"
	Interface            string // "interface": an IP address or host name to listen on, or a device such as "eth0" to bind to (default: global "interface", else all addresses)
	TLSCert, TLSKey      string // "host-ssl-cert", "host-ssl-key"
	Ciphers              string // "ciphers": TLS cipher suites, colon separated
	H2C                  bool   // "h2c": HTTP/2 with prior knowledge without TLS
	ErrorDocument404     string // "error-document-404"
	KeepAliveSecs        int    // "keepalive_timeout": HTTP keep-alive idle timeout in seconds (0: 5 s); vhosts sharing a port keep the largest
	RawRole              string // "listen-accept-role": "raw-skt", the role of fallback-listen-accept and apply-listen-accept
	RawProtocol          string // "listen-accept-protocol": their protocol
	RawSilenceMs         int    // "listen-accept-silence-ms": opt-in silence rule of fallback-listen-accept, a connection silent that long goes raw (0: none, the first bytes decide)
	TLSCA                string // "host-ssl-ca": CAs of client certificates
	ClientCertRequired   bool   // "client-cert-required"
	IgnoreMissingCert    bool   // "ignore-missing-cert": start even if the certificate files are missing
	ECDHCurve            string // "ecdh-curve"
	ALPN                 string // "alpn": the vhost's ALPN list
	AllowNonTLS          bool   // "allow-non-tls": plain connections on the TLS port are allowed...
	RedirectHTTP         bool   // "redirect-http": ...and redirected to https://
	AllowHTTPOnHTTPS     bool   // "allow-http-on-https": ...or served
	UnixSocket           bool   // "unix-socket": "interface" is a unix socket path
	UnixSocketPerms      string // "unix-socket-perms": "user:group" of the socket
	NoIPv6               bool   // "noipv6": IPv4 only
	IPv6Only             string // "ipv6only": "off" listens dual-stack, the default; "on" is warned about
	STS                  bool   // "sts": Strict-Transport-Security
	AccessLog            string // "access-log": the access log file
	Headers              []Header
	EnableClientSSL      bool   // "enable-client-ssl": TLS for the vhost's own client connections (https:// proxy origins)
	ClientSSLCert        string // "client-ssl-cert"
	ClientSSLKey         string // "client-ssl-key"
	ClientSSLCA          string // "client-ssl-ca"
	ClientSSLCiphers     string // "client-ssl-ciphers"
	StrictHostCheck      bool   // "strict-host-check": WebSocket upgrades must name the vhost and its port in Host
	RejectNoProtocol     bool   // "disable-no-protocol-ws-upgrades"
	ApplyListenAccept    bool   // "apply-listen-accept" (or "onlyraw"): every connection goes raw
	FallbackListenAccept bool   // "fallback-listen-accept": connections that are not HTTP go raw
	Mounts               []Mount
	// Protocols are the "ws-protocols": protocol name → per-vhost options
	// (lws pvo); "default": "1" marks the default protocol.
	Protocols      map[string]map[string]string
	ProtocolsOrder []string
	protocolLine   map[string]int
	listenOn       string // the address ListenOn put in place of the configured one

	File string // where the vhost was defined
	Line int
}

// Header is one of a vhost's "headers".
type Header struct{ Name, Value string }

// Mount is one entry of a vhost's "mounts" array.
type Mount struct {
	Mountpoint          string            // "mountpoint"
	Origin              string            // "origin", validated: see OriginKind
	Default             string            // "default": default document
	CacheMaxAge         int               // "cache-max-age" seconds
	CacheReuse          bool              // "cache-reuse"
	CacheRevalidate     bool              // "cache-revalidate"
	CacheIntermediaries bool              // "cache-intermediaries"
	CGIEnv              map[string]string // "cgi-env"
	CGITimeout          int               // "cgi-timeout" seconds
	ExtraMimeTypes      map[string]string // "extra-mimetypes": ".ext" → type
	Protocol            string            // "protocol": the protocol a callback:// mount (or interpret) serves with
	BasicAuth           string            // "basic-auth": the credentials file ("user:password" lines)
	Interpret           map[string]string // "interpret": file suffix → protocol
	PMO                 map[string]string // "pmo": per-mount options for the mount's protocol

	File string
	Line int
}

// Mount origin kinds, from the origin's scheme.
const (
	OriginFile     = "file"     // file:///path (a directory, or a .zip)
	OriginCGI      = "cgi"      // cgi:///path/to/script
	OriginHTTP     = "http"     // http://host[:port]/path: reverse proxy
	OriginHTTPS    = "https"    // https://host[:port]/path: reverse proxy
	OriginRedirect = "redirect" // >http(s)://...: redirect (lws's ">" prefix)
	OriginCallback = "callback" // callback://protocol-name
)

// OriginKind classifies a mount origin and returns its target: the path,
// URL or protocol name. It fails on anything it does not recognise.
func OriginKind(origin string) (kind, target string, err error) {
	if rest, ok := strings.CutPrefix(origin, ">"); ok {
		u, err := url.Parse(rest)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", "", fmt.Errorf("redirect origin %q: want >http://host/... or >https://host/...", origin)
		}
		return OriginRedirect, rest, nil
	}
	scheme, rest, ok := strings.Cut(origin, "://")
	if !ok {
		return "", "", fmt.Errorf("origin %q has no scheme (file://, cgi://, http://, https://, callback:// or >https://)", origin)
	}
	switch scheme {
	case "file", "cgi":
		if rest == "" || strings.ContainsRune(rest, 0) {
			return "", "", fmt.Errorf("origin %q: want %s:///absolute/path or %s://relative/path", origin, scheme, scheme)
		}
		return scheme, rest, nil
	case "http", "https":
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" {
			return "", "", fmt.Errorf("origin %q is not a valid %s URL", origin, scheme)
		}
		return scheme, origin, nil
	case "callback":
		if rest == "" || strings.ContainsAny(rest, "/ ") {
			return "", "", fmt.Errorf("origin %q: want callback://protocol-name", origin)
		}
		return OriginCallback, rest, nil
	}
	return "", "", fmt.Errorf("origin %q: unknown scheme %q", origin, scheme)
}

// Load reads the global file (if not empty) and then every file of dir (if
// not empty), in name order, merging their vhosts: a new Config with
// DefaultDataDir. See Config.Load.
func Load(global, dir string) (*Config, error) {
	cfg := &Config{}
	if err := cfg.Load(global, dir); err != nil {
		return nil, err
	}
	return cfg, nil
}

// Load merges the global file (if not empty) and then every file of dir
// (if not empty) into c. As lwsws reads its conf.d, every regular file of
// dir is read, in name order, whatever its name ends with, except hidden
// files (a leading '.') and editor backups (a '~' in the name).
func (c *Config) Load(global, dir string) error {
	if global != "" {
		data, err := os.ReadFile(global)
		if err != nil {
			return err
		}
		if err := c.Parse(global, data); err != nil {
			return err
		}
	}
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || strings.Contains(name, "~") {
			continue
		}
		f := filepath.Join(dir, name)
		if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := c.Parse(f, data); err != nil {
			return err
		}
	}
	return nil
}

// Error locates a configuration mistake.
type Error struct {
	File string
	Line int
	Key  string // the path of the key, such as vhosts[0].mounts[1].origin
	Err  error
}

// Error reads "file:line: key: problem".
func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Key, e.Err)
}

// Unwrap returns the problem.
func (e *Error) Unwrap() error { return e.Err }

// Parse merges one configuration file's content into c: its "global"
// settings and its "vhosts".
func (c *Config) Parse(file string, data []byte) error {
	root, err := parseJSON(stripComments(data))
	if err != nil {
		var line int
		msg := err.Error()
		if l, rest, ok := strings.Cut(msg, ": "); ok {
			if n, e := strconv.Atoi(l); e == nil {
				line, msg = n, rest
			}
		}
		return &Error{File: file, Line: line, Err: errors.New(msg)}
	}
	ddir := c.DataDir
	if ddir == "" {
		ddir = DefaultDataDir
	}
	p := &configParser{file: file, ddir: ddir}
	p.object(root, "", map[string]func(string, *node){
		"global": func(key string, n *node) { p.global(n, key, &c.Global) },
		"vhosts": func(key string, n *node) {
			p.array(n, key, func(k string, e *node) {
				v := Vhost{File: file, Line: e.line}
				p.vhost(e, k, &v)
				c.Vhosts = append(c.Vhosts, v)
			})
		},
	})
	if p.err != nil {
		return p.err
	}
	c.Warnings = append(c.Warnings, p.warnings...)
	return nil
}

// configParser walks the tree, keeping the first error.
type configParser struct {
	file     string
	ddir     string // what _lws_ddir_ expands to in vhost strings
	err      error
	warnings []Warning
}

// warn returns a field reader that accepts any scalar and records that the
// key has no effect, and why.
func (p *configParser) warn(why string) func(string, *node) {
	return func(key string, n *node) {
		if _, ok := n.scalar(); !ok {
			if _, isList := n.val.([]*node); !isList {
				if _, isObj := n.val.(*object); !isObj {
					p.fail(n.line, key, "want a value, got %s", n.typeName())
					return
				}
			}
		}
		p.warnings = append(p.warnings, Warning{File: p.file, Line: n.line, Key: key, Why: why})
	}
}

// dstr is str for a vhost string, where lws expands "_lws_ddir_" (its
// first occurrence) to the data directory.
func (p *configParser) dstr(dst *string) func(string, *node) {
	return func(key string, n *node) {
		p.str(dst)(key, n)
		*dst = strings.Replace(*dst, dataDirMacro, p.ddir, 1)
	}
}

func (p *configParser) fail(line int, key string, format string, args ...any) {
	if p.err == nil {
		p.err = &Error{File: p.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object visits the members of an object node, rejecting unknown keys.
func (p *configParser) object(n *node, path string, fields map[string]func(key string, n *node)) {
	o, ok := n.val.(*object)
	if !ok {
		p.fail(n.line, path, "want an object, got %s", n.typeName())
		return
	}
	for _, k := range o.keys {
		f, ok := fields[k]
		if !ok {
			known := make([]string, 0, len(fields))
			for name := range fields {
				known = append(known, name)
			}
			sort.Strings(known)
			p.fail(o.at[k], join(path, k), "unknown key (known here: %s)", strings.Join(known, ", "))
			return
		}
		f(join(path, k), o.vals[k])
	}
}

func (p *configParser) array(n *node, path string, each func(key string, n *node)) {
	list, ok := n.val.([]*node)
	if !ok {
		p.fail(n.line, path, "want an array, got %s", n.typeName())
		return
	}
	for i, e := range list {
		each(fmt.Sprintf("%s[%d]", path, i), e)
	}
}

func (p *configParser) str(dst *string) func(string, *node) {
	return func(key string, n *node) {
		s, ok := n.scalar()
		if !ok {
			p.fail(n.line, key, "want a string, got %s", n.typeName())
			return
		}
		*dst = s
	}
}

func (p *configParser) num(dst *int) func(string, *node) {
	return func(key string, n *node) {
		s, ok := n.scalar()
		v, err := strconv.Atoi(s)
		if !ok || err != nil || v < 0 {
			p.fail(n.line, key, "want a whole number of at least 0, got %s", describe(n))
			return
		}
		*dst = v
	}
}

func (p *configParser) flag(dst *bool) func(string, *node) {
	return func(key string, n *node) {
		s, ok := n.scalar()
		if !ok {
			p.fail(n.line, key, "want a flag, got %s", n.typeName())
			return
		}
		v, err := truthy(s)
		if err != nil {
			p.fail(n.line, key, "%v", err)
			return
		}
		*dst = v
	}
}

// strMap reads an object of strings, or lwsws's array of one-key objects.
func (p *configParser) strMap(dst *map[string]string) func(string, *node) {
	return p.mapOf(dst, false)
}

func describe(n *node) string {
	if s, ok := n.scalar(); ok {
		return strconv.Quote(s)
	}
	return n.typeName()
}

// pairs reads lwsws's list of name/value objects ([{"a": "1", "b": "2"}],
// or one object), in order, expanding _lws_ddir_ in the values if ddir.
func (p *configParser) pairs(key string, n *node, ddir bool, each func(name, value string)) {
	var objs []*node
	var keys []string
	switch v := n.val.(type) {
	case *object:
		objs, keys = []*node{n}, []string{key}
	case []*node:
		for i, e := range v {
			objs, keys = append(objs, e), append(keys, fmt.Sprintf("%s[%d]", key, i))
		}
	default:
		p.fail(n.line, key, "want an object or an array of objects, got %s", n.typeName())
		return
	}
	for i, e := range objs {
		o, ok := e.val.(*object)
		if !ok {
			p.fail(e.line, keys[i], "want an object, got %s", e.typeName())
			return
		}
		for _, k := range o.keys {
			s, ok := o.vals[k].scalar()
			if !ok {
				p.fail(o.at[k], join(keys[i], k), "want a string, got %s", o.vals[k].typeName())
				return
			}
			if ddir {
				s = strings.Replace(s, dataDirMacro, p.ddir, 1)
			}
			each(k, s)
		}
	}
}

// dmap reads name/value pairs into a map, expanding _lws_ddir_ in values.
func (p *configParser) dmap(dst *map[string]string) func(string, *node) {
	return p.mapOf(dst, true)
}

// mapOf reads name/value pairs (see pairs) into a map.
func (p *configParser) mapOf(dst *map[string]string, ddir bool) func(string, *node) {
	return func(key string, n *node) {
		m := map[string]string{}
		p.pairs(key, n, ddir, func(k, v string) { m[k] = v })
		*dst = m
	}
}

func (p *configParser) global(n *node, path string, g *Global) {
	p.object(n, path, map[string]func(string, *node){
		"uid":              p.num(&g.UID),
		"gid":              p.num(&g.GID),
		"username":         p.str(&g.Username),
		"groupname":        p.str(&g.Groupname),
		"init-ssl":         p.flag(&g.InitSSL),
		"server-string":    p.str(&g.ServerString),
		"default-alpn":     p.str(&g.DefaultALPN),
		"rlimit-nofile":    p.num(&g.RlimitNofile),
		"count-threads":    p.warn("Go schedules goroutines on all cores; there are no service threads to count"),
		"plugin-dir":       p.warn("golws plugins are Go packages compiled into the program (lws.Register); no shared objects are loaded"),
		"interface":        p.str(&g.Interface),
		"ws-pingpong-secs": p.num(&g.PingPongSecs),
		"timeout-secs":     p.num(&g.TimeoutSecs),
		"log-level":        p.str(&g.LogLevel),
		"shutdown-secs":    p.num(&g.ShutdownSecs),
		"max-connections":  p.num(&g.MaxConns),
		"ip-limit-wsi":     p.num(&g.IPLimitConns),
		"ip-limit-ah":      p.num(&g.IPLimitActive),
		"fanout":           p.strMap(&g.Fanout),
		"reject-service-keywords": func(key string, n *node) {
			p.pairs(key, n, false, func(k, v string) {
				g.RejectAgents = append(g.RejectAgents, Keyword{Keyword: k, Status: v})
				if _, _, err := parseStatus(v); err != nil {
					p.fail(n.line, join(key, k), "%v", err)
				}
			})
		},
	})
	if g.LogLevel != "" {
		if _, err := logging.ParseLevel(g.LogLevel); err != nil {
			p.fail(n.line, join(path, "log-level"), "%v", err)
		}
	}
}

// parseStatus reads a reject-service-keywords answer, "404 Not Found".
func parseStatus(s string) (code int, text string, err error) {
	c, text, _ := strings.Cut(strings.TrimSpace(s), " ")
	code, err = strconv.Atoi(c)
	if err != nil || code < 100 || code > 999 {
		return 0, "", fmt.Errorf("want an HTTP status such as \"404 Not Found\", got %q", s)
	}
	return code, strings.TrimSpace(text), nil
}

// Why some of lwsws's keys change nothing in golws.
const (
	whyTLS13      = "Go always enables its TLS 1.3 cipher suites; they cannot be chosen"
	whySSLOptions = "OpenSSL SSL_OP_* option bits have no crypto/tls equivalent"
)

func (p *configParser) vhost(n *node, path string, v *Vhost) {
	p.object(n, path, map[string]func(string, *node){
		"name":                     p.dstr(&v.Name),
		"port":                     p.num(&v.Port),
		"interface":                p.dstr(&v.Interface),
		"unix-socket":              p.flag(&v.UnixSocket),
		"unix-socket-perms":        p.dstr(&v.UnixSocketPerms),
		"sts":                      p.flag(&v.STS),
		"host-ssl-cert":            p.dstr(&v.TLSCert),
		"host-ssl-key":             p.dstr(&v.TLSKey),
		"host-ssl-ca":              p.dstr(&v.TLSCA),
		"client-cert-required":     p.flag(&v.ClientCertRequired),
		"ignore-missing-cert":      p.flag(&v.IgnoreMissingCert),
		"access-log":               p.dstr(&v.AccessLog),
		"ciphers":                  p.dstr(&v.Ciphers),
		"ecdh-curve":               p.dstr(&v.ECDHCurve),
		"alpn":                     p.dstr(&v.ALPN),
		"noipv6":                   p.flag(&v.NoIPv6),
		"ipv6only":                 p.dstr(&v.IPv6Only),
		"tls13-ciphers":            p.warn(whyTLS13),
		"client-tls13-ciphers":     p.warn(whyTLS13),
		"ssl-option-set":           p.warn(whySSLOptions),
		"ssl-option-clear":         p.warn(whySSLOptions),
		"ssl-client-option-set":    p.warn(whySSLOptions),
		"ssl-client-option-clear":  p.warn(whySSLOptions),
		"h2-half-closed-long-poll": p.warn("Go's HTTP/2 server keeps a half-closed stream open while its handler runs; there is nothing to switch on"),
		"enable-client-ssl":        p.flag(&v.EnableClientSSL),
		"client-ssl-cert":          p.dstr(&v.ClientSSLCert),
		"client-ssl-key":           p.dstr(&v.ClientSSLKey),
		"client-ssl-ca":            p.dstr(&v.ClientSSLCA),
		"client-ssl-ciphers":       p.dstr(&v.ClientSSLCiphers),
		"headers": func(key string, n *node) {
			p.pairs(key, n, true, func(k, val string) { v.Headers = append(v.Headers, Header{Name: k, Value: val}) })
		},
		"h2c":                             p.flag(&v.H2C),
		"error-document-404":              p.dstr(&v.ErrorDocument404),
		"keepalive_timeout":               p.num(&v.KeepAliveSecs),
		"strict-host-check":               p.flag(&v.StrictHostCheck),
		"disable-no-protocol-ws-upgrades": p.flag(&v.RejectNoProtocol),
		"allow-non-tls":                   p.flag(&v.AllowNonTLS),
		"redirect-http":                   p.flag(&v.RedirectHTTP),
		"allow-http-on-https":             p.flag(&v.AllowHTTPOnHTTPS),
		"listen-accept-role":              p.dstr(&v.RawRole),
		"listen-accept-protocol":          p.dstr(&v.RawProtocol),
		"apply-listen-accept":             p.flag(&v.ApplyListenAccept),
		"onlyraw":                         p.flag(&v.ApplyListenAccept),
		"fallback-listen-accept":          p.flag(&v.FallbackListenAccept),
		"listen-accept-silence-ms":        p.num(&v.RawSilenceMs),
		"mounts": func(key string, n *node) {
			p.array(n, key, func(k string, e *node) {
				m := Mount{File: p.file, Line: e.line}
				p.mount(e, k, &m)
				v.Mounts = append(v.Mounts, m)
			})
		},
		"ws-protocols": func(key string, n *node) { p.protocols(n, key, v) },
	})
	if v.Name == "" {
		p.fail(n.line, join(path, "name"), "a vhost needs a name")
	}
	if v.Port == 0 && !v.UnixSocket {
		p.fail(n.line, join(path, "port"), "a vhost needs a port")
	}
	if v.UnixSocket && v.Interface == "" {
		p.fail(n.line, join(path, "interface"), "unix-socket needs the socket's path in interface")
	}
	if (v.TLSCert == "") != (v.TLSKey == "") {
		p.fail(n.line, path, "host-ssl-cert and host-ssl-key go together")
	}
	if v.RawRole != "" && v.RawRole != "raw-skt" {
		p.fail(n.line, join(path, "listen-accept-role"), "unknown role %q (want raw-skt)", v.RawRole)
	}
	if v.RawRole != "" && v.RawProtocol == "" {
		p.fail(n.line, join(path, "listen-accept-protocol"), "the raw-skt role needs a protocol")
	}
	if (v.ApplyListenAccept || v.FallbackListenAccept) && v.RawRole == "" {
		p.fail(n.line, join(path, "listen-accept-role"), "apply-listen-accept and fallback-listen-accept need the raw-skt listen-accept-role and a listen-accept-protocol")
	}
	if v.RawSilenceMs != 0 && !v.FallbackListenAccept {
		p.fail(n.line, join(path, "listen-accept-silence-ms"), "needs fallback-listen-accept with the raw-skt listen-accept-role")
	}
	if v.RawRole != "" && !v.ApplyListenAccept && !v.FallbackListenAccept {
		p.warnings = append(p.warnings, Warning{File: p.file, Line: n.line, Key: join(path, "listen-accept-role"),
			Why: "as in lws, the role and its protocol are used only with fallback-listen-accept (non-HTTP connections) or apply-listen-accept (all)"})
	}
	if v.IPv6Only != "" {
		if on, err := truthy(v.IPv6Only); err != nil {
			p.fail(n.line, join(path, "ipv6only"), "%v", err)
		} else if on {
			p.warnings = append(p.warnings, Warning{File: p.file, Line: n.line, Key: join(path, "ipv6only"),
				Why: "Go listens dual-stack on [::] and cannot set IPV6_V6ONLY; give an IPv6 interface address to listen on IPv6 only"})
		}
	}
}

// protocols reads "ws-protocols": an array of objects whose keys are
// protocol names and whose values are their options.
func (p *configParser) protocols(n *node, key string, v *Vhost) {
	list, ok := n.val.([]*node)
	if !ok {
		p.fail(n.line, key, "want an array, got %s", n.typeName())
		return
	}
	v.Protocols = map[string]map[string]string{}
	v.protocolLine = map[string]int{}
	for i, e := range list {
		eo, ok := e.val.(*object)
		if !ok {
			p.fail(e.line, fmt.Sprintf("%s[%d]", key, i), "want an object, got %s", e.typeName())
			return
		}
		for _, name := range eo.keys {
			var opts map[string]string
			p.strMap(&opts)(fmt.Sprintf("%s[%d].%s", key, i, name), eo.vals[name])
			if _, dup := v.Protocols[name]; dup {
				p.fail(eo.at[name], fmt.Sprintf("%s[%d].%s", key, i, name), "protocol listed twice")
			}
			v.Protocols[name] = opts
			v.ProtocolsOrder = append(v.ProtocolsOrder, name)
			v.protocolLine[name] = eo.at[name]
		}
	}
}

func (p *configParser) mount(n *node, path string, m *Mount) {
	p.object(n, path, map[string]func(string, *node){
		"mountpoint":           p.dstr(&m.Mountpoint),
		"origin":               p.dstr(&m.Origin),
		"protocol":             p.dstr(&m.Protocol),
		"default":              p.dstr(&m.Default),
		"auth-mask":            p.warn("lws's auth mask selects users of its own auth plugins, which golws does not have; use basic-auth"),
		"cache-max-age":        p.num(&m.CacheMaxAge),
		"cache-reuse":          p.flag(&m.CacheReuse),
		"cache-revalidate":     p.flag(&m.CacheRevalidate),
		"cache-intermediaries": p.flag(&m.CacheIntermediaries),
		"basic-auth":           p.dstr(&m.BasicAuth),
		"cgi-env":              p.dmap(&m.CGIEnv),
		"cgi-timeout":          p.num(&m.CGITimeout),
		"extra-mimetypes":      p.dmap(&m.ExtraMimeTypes),
		"interpret":            p.dmap(&m.Interpret),
		"pmo":                  p.dmap(&m.PMO),
	})
	if p.err != nil {
		return
	}
	if !strings.HasPrefix(m.Mountpoint, "/") {
		p.fail(n.line, join(path, "mountpoint"), "want a path starting with /, got %q", m.Mountpoint)
	}
	if m.Origin == "callback://" && m.Protocol != "" {
		m.Origin += m.Protocol // the protocol key names it
	}
	kind, target, err := OriginKind(m.Origin)
	if err != nil {
		p.fail(n.line, join(path, "origin"), "%v", err)
		return
	}
	switch {
	case m.Protocol == "":
	case kind == OriginCallback && m.Protocol != target:
		p.fail(n.line, join(path, "protocol"), "the callback:// origin names protocol %q", target)
	case kind != OriginCallback:
		p.warnings = append(p.warnings, Warning{File: p.file, Line: n.line, Key: join(path, "protocol"),
			Why: "only callback:// mounts are served by a protocol (file:// mounts hand files to one with interpret)"})
	}
	if len(m.Interpret) > 0 && kind != OriginFile {
		p.fail(n.line, join(path, "interpret"), "only file:// mounts interpret files")
	}
}

// ListenOn moves the first vhost to addr ("host:port"; port 0 picks a free
// port), as a command-line override of the configured address. If that
// address then cannot be bound, New's error is not a
// *Error: the configuration did not cause it.
func (c *Config) ListenOn(addr string) error {
	if len(c.Vhosts) == 0 {
		return errors.New("lwsws: the configuration has no vhost")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, perr := strconv.Atoi(addr); perr == nil {
			return fmt.Errorf("lwsws: listen address %q has no host part: use :%s (all interfaces) or 127.0.0.1:%s", addr, addr, addr)
		}
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err) // without the address again
		}
		return fmt.Errorf("lwsws: listen address %q: %v: want host:port, such as :7681 or 127.0.0.1:7681", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("lwsws: listen address %q: bad port %q: want a number from 0 to 65535 (0 picks a free port)", addr, port)
	}
	c.Vhosts[0].Interface, c.Vhosts[0].Port = host, p
	c.Vhosts[0].listenOn = addr
	return nil
}
