package lwsws

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/mux"
)

// Options adjust how New builds a server.
type Options struct {
	// FS names filesystems that file:// origins may use before the disk:
	// "file://site" serves FS["site"] when it exists (an embedded site,
	// for instance).
	FS map[string]fops.FS
	// LogOutput receives the log. Nil means stderr.
	LogOutput *os.File
	// Observer, if set, instruments the Server (lws.Options.Observer), such
	// as package metrics's Metrics.
	Observer lws.Observer
	// Mounts are added to every vhost, after its configured mounts: a
	// /metrics endpoint, for instance.
	Mounts []mux.Mount
}

// New builds a Server from a Config: its global settings, and
// every vhost with its listener, TLS, mounts, raw fallback and protocols
// (which must be registered plugins). Mistakes found now (an unknown
// protocol, a mount directory that does not exist, a bad certificate) are
// *ConfigErrors naming the file, line and key; failing to bind an address
// that Config.ListenOn set is not, as the file did not choose it.
func New(cfg *Config, ao *Options) (*lws.Server, error) {
	if ao == nil {
		ao = &Options{}
	}
	g := cfg.Global
	level := logging.LevelNotice
	if g.LogLevel != "" {
		level, _ = logging.ParseLevel(g.LogLevel) // checked by Parse
	}
	var out = os.Stderr
	if ao.LogOutput != nil {
		out = ao.LogOutput
	}
	c := lws.New(&lws.Options{
		Logger:            logging.NewLogger(out, level),
		ShutdownTimeout:   time.Duration(g.ShutdownSecs) * time.Second,
		ReadHeaderTimeout: time.Duration(g.TimeoutSecs) * time.Second,
		MaxConns:          g.MaxConns,
		MaxConnsPerIP:     g.IPLimitConns,
		MaxRequestsPerIP:  g.IPLimitActive,
		Observer:          ao.Observer,
	})
	for i, vc := range cfg.Vhosts {
		o, err := vhostOptions(cfg, i, ao)
		if err != nil {
			c.Close()
			return nil, err
		}
		if _, err := c.NewVhost(o); err != nil {
			c.Close()
			var le *lws.ListenError
			if vc.listenOn != "" && errors.As(err, &le) {
				return nil, err // the address came from ListenOn, not from the file
			}
			return nil, &Error{File: vc.File, Line: vc.Line, Key: fmt.Sprintf("vhosts[%d]", i), Err: err}
		}
	}
	return c, nil
}

// vhostOptions turns the i-th vhost of cfg into lws.VhostOptions.
func vhostOptions(cfg *Config, i int, ao *Options) (lws.VhostOptions, error) {
	vc := cfg.Vhosts[i]
	key := fmt.Sprintf("vhosts[%d]", i)
	fail := func(line int, k string, err error) error {
		return &Error{File: vc.File, Line: line, Key: k, Err: err}
	}
	o := lws.VhostOptions{Name: vc.Name, ErrorDocument404: vc.ErrorDocument404, ProtocolOptions: map[string]map[string]string{}}
	o.KeepAliveTimeout = time.Duration(vc.KeepAliveSecs) * time.Second // 0: the default

	iface := vc.Interface
	if iface == "" {
		iface = cfg.Global.Interface
	}
	host := ""
	if iface != "" && (net.ParseIP(iface) != nil || iface == "localhost") {
		host = iface
	} else if iface != "" {
		o.Listener = &lws.ListenerOptions{Interface: iface, BindToDevice: true}
	}
	o.Listen = net.JoinHostPort(host, strconv.Itoa(vc.Port))
	if vc.H2C {
		if o.Listener == nil {
			o.Listener = &lws.ListenerOptions{}
		}
		o.Listener.H2C = true
	}

	if vc.TLSCert != "" {
		o.TLS = &lws.TLSOptions{CertFile: rel(vc.File, vc.TLSCert), KeyFile: rel(vc.File, vc.TLSKey)}
		if vc.Ciphers != "" {
			o.TLS.CipherSuites = strings.Split(vc.Ciphers, ":")
		}
	}
	if vc.RawRole != "" {
		o.RawFallback = &lws.RawFallback{Protocol: vc.RawProtocol, Timeout: time.Duration(vc.RawSilenceMs) * time.Millisecond}
	}

	for _, name := range vc.ProtocolsOrder {
		p := lws.Plugin(name)
		if p == nil {
			return o, fail(vc.protocolLine[name], key+".ws-protocols."+name,
				fmt.Errorf("no protocol plugin of that name (registered: %s)", strings.Join(lws.Plugins(), ", ")))
		}
		if cfg.Global.PingPongSecs > 0 {
			pc := *p // the plugin's value is shared: change a copy
			pc.PingInterval = time.Duration(cfg.Global.PingPongSecs) * time.Second
			p = &pc
		}
		o.Protocols = append(o.Protocols, p)
		o.ProtocolOptions[name] = vc.Protocols[name]
	}

	for j, mc := range vc.Mounts {
		mkey := fmt.Sprintf("%s.mounts[%d]", key, j)
		m, err := mount(vc.File, mc, ao)
		if err != nil {
			return o, fail(mc.Line, mkey+".origin", err)
		}
		o.Mounts = append(o.Mounts, m)
	}
	o.Mounts = append(o.Mounts, ao.Mounts...)
	return o, nil
}

// mount builds the mux.Mount of one mount entry.
func mount(file string, mc Mount, ao *Options) (mux.Mount, error) {
	kind, target, err := OriginKind(mc.Origin)
	if err != nil {
		return mux.Mount{}, err
	}
	path := mc.Mountpoint
	switch kind {
	case OriginFile:
		fsys, err := openFS(file, target, ao)
		if err != nil {
			return mux.Mount{}, err
		}
		return mux.FileMount(path, fsys, &mux.FileOptions{
			Default:        mc.Default,
			ExtraMIME:      mc.ExtraMimeTypes,
			MaxAge:         mc.CacheMaxAge,
			Reusable:       mc.CacheReuse,
			Revalidate:     mc.CacheRevalidate,
			Intermediaries: mc.CacheIntermediaries,
		}), nil
	case OriginCGI:
		h, err := mux.NewCGI(path, rel(file, target), &mux.CGIOptions{
			Env:     mc.CGIEnv,
			Timeout: time.Duration(mc.CGITimeout) * time.Second,
			Logger:  slog.Default(),
		})
		return mux.Mount{Path: path, Handler: h}, err
	case OriginHTTP, OriginHTTPS:
		h, err := mux.NewProxy(path, target, nil)
		return mux.Mount{Path: path, Handler: h}, err
	case OriginRedirect:
		h, err := mux.NewRedirect(path, target, 0)
		return mux.Mount{Path: path, Handler: h}, err
	case OriginCallback:
		return lws.CallbackMount(path, target), nil
	}
	return mux.Mount{}, fmt.Errorf("origin %q: unsupported", mc.Origin)
}

// openFS opens a file:// origin: a named filesystem of ao, a .zip, or a
// directory (relative paths are relative to the configuration file).
func openFS(file, target string, ao *Options) (fops.FS, error) {
	if fsys, ok := ao.FS[target]; ok {
		return fsys, nil
	}
	p := rel(file, target)
	if strings.EqualFold(filepath.Ext(p), ".zip") {
		return fops.OpenZip(p)
	}
	return fops.OpenRoot(p)
}

// rel resolves a path of a configuration file against the file's folder.
func rel(file, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(file), p)
}
