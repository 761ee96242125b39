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
}

// Global holds the "global" object.
type Global struct {
	Interface     string // "interface": default address (or device) vhosts listen on
	PingPongSecs  int    // "ws-pingpong-secs": WebSocket ping interval
	TimeoutSecs   int    // "timeout-secs": read-header timeout
	LogLevel      string // "log-level": err, warn, notice, info or debug
	ShutdownSecs  int    // "shutdown-secs": how long shutdown may take
	MaxConns      int    // "max-connections"
	IPLimitConns  int    // "ip-limit-wsi": connections per peer IP
	IPLimitActive int    // "ip-limit-ah": requests in progress per peer IP
}

// Vhost is one entry of a "vhosts" array.
type Vhost struct {
	Name             string // "name"
	Port             int    // "port"
	Interface        string // "interface": an IP address or host name to listen on, or a device such as "eth0" to bind to (default: global "interface", else all addresses)
	TLSCert, TLSKey  string // "host-ssl-cert", "host-ssl-key"
	Ciphers          string // "ciphers": TLS cipher suites, colon separated
	H2C              bool   // "h2c": HTTP/2 with prior knowledge without TLS
	ErrorDocument404 string // "error-document-404"
	KeepAliveSecs    int    // "keepalive_timeout": HTTP keep-alive idle timeout in seconds (0: 5 s); vhosts sharing a port keep the largest
	RawRole          string // "listen-accept-role": "raw-skt" enables the raw fallback
	RawProtocol      string // "listen-accept-protocol": the raw fallback's protocol
	RawSilenceMs     int    // "listen-accept-silence-ms": opt-in silence rule, a connection silent that long goes raw (0: none, the first bytes decide)
	Mounts           []Mount
	// Protocols are the "ws-protocols": protocol name → per-vhost options
	// (lws pvo); "default": "1" marks the default protocol.
	Protocols      map[string]map[string]string
	ProtocolsOrder []string
	protocolLine   map[string]int
	listenOn       string // the address ListenOn put in place of the configured one

	File string // where the vhost was defined
	Line int
}

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

// Load reads the global file (if not empty) and then every *.json file
// of dir (if not empty), in name order, merging their vhosts.
func Load(global, dir string) (*Config, error) {
	cfg := &Config{}
	if global != "" {
		data, err := os.ReadFile(global)
		if err != nil {
			return nil, err
		}
		if err := cfg.Parse(global, data); err != nil {
			return nil, err
		}
	}
	if dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			if err := cfg.Parse(f, data); err != nil {
				return nil, err
			}
		}
	}
	return cfg, nil
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
	root, err := parseJSON(data)
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
	p := &configParser{file: file}
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
	return p.err
}

// configParser walks the tree, keeping the first error.
type configParser struct {
	file string
	err  error
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
	return func(key string, n *node) {
		m := map[string]string{}
		add := func(path, name string, v *node) {
			s, ok := v.scalar()
			if !ok {
				p.fail(v.line, join(path, name), "want a string, got %s", v.typeName())
				return
			}
			m[name] = s
		}
		switch v := n.val.(type) {
		case *object:
			for _, k := range v.keys {
				add(key, k, v.vals[k])
			}
		case []*node:
			for i, e := range v {
				o, ok := e.val.(*object)
				if !ok {
					p.fail(e.line, fmt.Sprintf("%s[%d]", key, i), "want an object, got %s", e.typeName())
					return
				}
				for _, k := range o.keys {
					add(fmt.Sprintf("%s[%d]", key, i), k, o.vals[k])
				}
			}
		default:
			p.fail(n.line, key, "want an object, got %s", n.typeName())
			return
		}
		*dst = m
	}
}

func describe(n *node) string {
	if s, ok := n.scalar(); ok {
		return strconv.Quote(s)
	}
	return n.typeName()
}

func (p *configParser) global(n *node, path string, g *Global) {
	p.object(n, path, map[string]func(string, *node){
		"interface":        p.str(&g.Interface),
		"ws-pingpong-secs": p.num(&g.PingPongSecs),
		"timeout-secs":     p.num(&g.TimeoutSecs),
		"log-level":        p.str(&g.LogLevel),
		"shutdown-secs":    p.num(&g.ShutdownSecs),
		"max-connections":  p.num(&g.MaxConns),
		"ip-limit-wsi":     p.num(&g.IPLimitConns),
		"ip-limit-ah":      p.num(&g.IPLimitActive),
	})
	if g.LogLevel != "" {
		if _, err := logging.ParseLevel(g.LogLevel); err != nil {
			p.fail(n.line, join(path, "log-level"), "%v", err)
		}
	}
}

func (p *configParser) vhost(n *node, path string, v *Vhost) {
	p.object(n, path, map[string]func(string, *node){
		"name":                     p.str(&v.Name),
		"port":                     p.num(&v.Port),
		"interface":                p.str(&v.Interface),
		"host-ssl-cert":            p.str(&v.TLSCert),
		"host-ssl-key":             p.str(&v.TLSKey),
		"ciphers":                  p.str(&v.Ciphers),
		"h2c":                      p.flag(&v.H2C),
		"error-document-404":       p.str(&v.ErrorDocument404),
		"keepalive_timeout":        p.num(&v.KeepAliveSecs),
		"listen-accept-role":       p.str(&v.RawRole),
		"listen-accept-protocol":   p.str(&v.RawProtocol),
		"listen-accept-silence-ms": p.num(&v.RawSilenceMs),
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
	if v.Port == 0 {
		p.fail(n.line, join(path, "port"), "a vhost needs a port")
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
	if v.RawSilenceMs != 0 && v.RawRole == "" {
		p.fail(n.line, join(path, "listen-accept-silence-ms"), "needs the raw-skt listen-accept-role")
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
		"mountpoint":           p.str(&m.Mountpoint),
		"origin":               p.str(&m.Origin),
		"default":              p.str(&m.Default),
		"cache-max-age":        p.num(&m.CacheMaxAge),
		"cache-reuse":          p.flag(&m.CacheReuse),
		"cache-revalidate":     p.flag(&m.CacheRevalidate),
		"cache-intermediaries": p.flag(&m.CacheIntermediaries),
		"cgi-env":              p.strMap(&m.CGIEnv),
		"cgi-timeout":          p.num(&m.CGITimeout),
		"extra-mimetypes":      p.strMap(&m.ExtraMimeTypes),
	})
	if p.err != nil {
		return
	}
	if !strings.HasPrefix(m.Mountpoint, "/") {
		p.fail(n.line, join(path, "mountpoint"), "want a path starting with /, got %q", m.Mountpoint)
	}
	if _, _, err := OriginKind(m.Origin); err != nil {
		p.fail(n.line, join(path, "origin"), "%v", err)
	}
}

// ListenOn moves the first vhost to addr ("host:port"; port 0 picks a free
// port), as a command-line override of the configured address. If that
// address then cannot be bound, New's error is not a
// *Error: the configuration did not cause it.
func (c *Config) ListenOn(addr string) error {
	if len(c.Vhosts) == 0 {
		return errors.New("lws: the configuration has no vhost")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, perr := strconv.Atoi(addr); perr == nil {
			return fmt.Errorf("lws: listen address %q has no host part: use :%s (all interfaces) or 127.0.0.1:%s", addr, addr, addr)
		}
		var ae *net.AddrError
		if errors.As(err, &ae) {
			err = errors.New(ae.Err) // without the address again
		}
		return fmt.Errorf("lws: listen address %q: %v: want host:port, such as :7681 or 127.0.0.1:7681", addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("lws: listen address %q: bad port %q: want a number from 0 to 65535 (0 picks a free port)", addr, port)
	}
	c.Vhosts[0].Interface, c.Vhosts[0].Port = host, p
	c.Vhosts[0].listenOn = addr
	return nil
}
