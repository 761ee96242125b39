package lwsws

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golws/lws"
	"github.com/golws/lws/daemon"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/tlsconf"
)

// Options adjust how New builds a server.
type Options struct {
	// FS names filesystems that file:// origins may use before the disk:
	// "file://site" serves FS["site"] when it exists (an embedded site,
	// for instance).
	FS map[string]fops.FS
	// LogOutput receives the log. Nil means stderr.
	LogOutput io.Writer
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
// *Errors naming the file, line and key; failing to bind an address
// that Config.ListenOn set is not, as the file did not choose it. The
// configuration's Warnings are logged.
//
// The listeners are bound when New returns: a program that runs as root
// for a port below 1024 drops to the configured user and group then (see
// Global.Credentials and daemon.DropPrivileges), as lwsws does.
func New(cfg *Config, ao *Options) (*lws.Server, error) {
	if ao == nil {
		ao = &Options{}
	}
	g := cfg.Global
	level := logging.LevelNotice
	if g.LogLevel != "" {
		level, _ = logging.ParseLevel(g.LogLevel) // checked by Parse
	}
	var out io.Writer = os.Stderr
	if ao.LogOutput != nil {
		out = ao.LogOutput
	}
	logger := logging.NewLogger(out, level)
	for _, w := range cfg.Warnings {
		logger.Warn(w.String())
	}
	if g.RlimitNofile > 0 {
		lim := syscall.Rlimit{Cur: uint64(g.RlimitNofile), Max: uint64(g.RlimitNofile)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return nil, &Error{File: "", Key: "global.rlimit-nofile", Err: err}
		}
	}
	c := lws.New(&lws.Options{
		Logger:            logger,
		ShutdownTimeout:   time.Duration(g.ShutdownSecs) * time.Second,
		ReadHeaderTimeout: time.Duration(g.TimeoutSecs) * time.Second,
		MaxConns:          g.MaxConns,
		MaxConnsPerIP:     g.IPLimitConns,
		MaxRequestsPerIP:  g.IPLimitActive,
		Observer:          ao.Observer,
	})
	b := &builder{cfg: cfg, ao: ao, log: logger}
	for i, vc := range cfg.Vhosts {
		o, err := b.vhostOptions(i)
		if err == nil {
			var v *lws.Vhost
			if v, err = c.NewVhost(o); err == nil {
				err = b.finish(i, v)
			} else {
				var le *listen.Error
				if vc.listenOn != "" && errors.As(err, &le) {
					c.Close()
					b.closeFiles()
					return nil, err // the address came from ListenOn, not from the file
				}
				err = &Error{File: vc.File, Line: vc.Line, Key: fmt.Sprintf("vhosts[%d]", i), Err: err}
			}
		}
		if err != nil {
			c.Close()
			b.closeFiles()
			return nil, err
		}
	}
	if vs := c.Vhosts(); len(b.files) > 0 && len(vs) > 0 {
		// The access logs close when the Server does, after its
		// connections (whose requests they log) have ended.
		vs[0].Companion(accessLogs{}, func() lws.Companion { return b })
	}
	return c, nil
}

// lwsPlugins are the protocols of lws's own plugins that golws has no
// plugin for: a configuration naming them runs without them, with a
// warning, as lwsws runs without a plugin it did not load.
var lwsPlugins = map[string]bool{
	"lws-meta": true, "lws-server-status": true, "lws-ssh-base": true, "lws-sshd-demo": true,
	"lws-acme-client": true, "lws-deaddrop": true, "lws-raw-proxy": true, "lws-fulltext-demo": true,
	"lws-table-dirlisting": true, "lws-client-loopback-test": true, "lws-echogen": true,
}

// nothing is a file system with no files, for mounts whose origin is
// missing.
var nothing = fops.FSFunc(func(name string, _ fops.Flag) (fops.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
})

// warn logs w, the way the configuration's own warnings are logged.
func (b *builder) warn(w Warning) { b.log.Warn(w.String()) }

// accessLogs is the key of the builder among a vhost's companions: it
// closes the access logs when the Server shuts down.
type accessLogs struct{}

// Stop does nothing: requests still being served may log.
func (b *builder) Stop() {}

// Wait closes the access logs (once); the Server calls it once the
// connections have ended.
func (b *builder) Wait(context.Context) error {
	b.closing.Do(b.closeFiles)
	return nil
}

// Credentials are the user and group the global settings name ("uid",
// "gid", "username", "groupname"), for daemon.DropPrivileges once the
// listeners are bound.
func (g Global) Credentials() daemon.Credentials {
	return daemon.Credentials{UID: g.UID, GID: g.GID, Username: g.Username, Groupname: g.Groupname}
}

// builder builds the vhosts of one configuration.
type builder struct {
	cfg   *Config
	ao    *Options
	log   *slog.Logger
	files []*os.File // access logs
	// closing closes files once the Server has shut down.
	closing sync.Once
	// per vhost, set by vhostOptions and used by finish
	interpret map[string][]*mux.Callback // protocol → interpreters to bind
	rawListen string                     // apply-listen-accept: the address adopted raw
	rawProto  string
}

// closeFiles closes the access logs of a configuration that failed.
func (b *builder) closeFiles() {
	for _, f := range b.files {
		f.Close()
	}
}

// finish completes vhost i once it exists: it binds interpreters to their
// protocols and adopts the raw listener of apply-listen-accept.
func (b *builder) finish(i int, v *lws.Vhost) error {
	vc := b.cfg.Vhosts[i]
	for name, cbs := range b.interpret {
		vp := v.Protocol(name)
		if vp == nil {
			return &Error{File: vc.File, Line: vc.Line, Key: fmt.Sprintf("vhosts[%d].mounts", i),
				Err: fmt.Errorf("interpret names protocol %q, which the vhost does not have (ws-protocols)", name)}
		}
		for _, cb := range cbs {
			cb.Adopt, cb.Logger = vp.Adopt, v.Logger()
		}
	}
	if b.rawListen != "" {
		ln, err := listen.TCP(b.rawListen, nil) // "0.0.0.0" (noipv6): IPv4 only
		if err == nil {
			err = v.AdoptListener(ln, b.rawProto)
			if err != nil {
				ln.Close()
			}
		}
		if err != nil {
			if vc.listenOn != "" {
				return err
			}
			return &Error{File: vc.File, Line: vc.Line, Key: fmt.Sprintf("vhosts[%d]", i), Err: err}
		}
		b.log.Info("listening raw", "vhost", vc.Name, "addr", ln.Addr().String(), "protocol", b.rawProto)
	}
	return nil
}

// vhostOptions turns the i-th vhost of cfg into lws.VhostOptions.
func (b *builder) vhostOptions(i int) (lws.VhostOptions, error) {
	cfg, ao := b.cfg, b.ao
	b.interpret, b.rawListen, b.rawProto = map[string][]*mux.Callback{}, "", ""
	vc := cfg.Vhosts[i]
	g := cfg.Global
	key := fmt.Sprintf("vhosts[%d]", i)
	fail := func(line int, k string, err error) error {
		return &Error{File: vc.File, Line: line, Key: k, Err: err}
	}
	o := lws.VhostOptions{Name: vc.Name, ErrorDocument404: vc.ErrorDocument404, ProtocolOptions: map[string]map[string]string{}}
	o.KeepAliveTimeout = time.Duration(vc.KeepAliveSecs) * time.Second // 0: the default
	o.ServerString = g.ServerString
	o.STS = vc.STS
	for _, k := range g.RejectAgents {
		code, text, _ := parseStatus(k.Status) // checked by Parse
		o.RejectAgents = append(o.RejectAgents, mux.AgentRule{Keyword: k.Keyword, Status: code, Message: text})
	}
	if len(vc.Headers) > 0 {
		o.Headers = http.Header{}
		for _, h := range vc.Headers {
			o.Headers.Add(h.Name, h.Value)
		}
	}
	if vc.AccessLog != "" {
		f, err := b.openAccessLog(rel(vc.File, vc.AccessLog))
		if err != nil {
			return o, fail(vc.Line, key+".access-log", err)
		}
		o.AccessLog = f
	}

	if err := b.listen(i, &o); err != nil {
		return o, err
	}
	if err := b.tls(i, &o); err != nil {
		return o, err
	}
	if vc.FallbackListenAccept && !vc.ApplyListenAccept {
		// As in lws, the listen-accept role and protocol are used only
		// when fallback-listen-accept (or apply-listen-accept) asks.
		o.RawFallback = &lws.RawFallback{Protocol: vc.RawProtocol, Timeout: time.Duration(vc.RawSilenceMs) * time.Millisecond}
	}
	if vc.StrictHostCheck || vc.RejectNoProtocol {
		o.BeforeAccept = upgradeChecks(vc)
	}

	for _, name := range vc.ProtocolsOrder {
		p := lws.Plugin(name)
		if p == nil && lwsPlugins[name] {
			// lwsws runs on without a plugin it did not load; so does golws
			// for lws's own plugins it does not have. Other names are typos.
			b.warn(Warning{File: vc.File, Line: vc.protocolLine[name], Key: key + ".ws-protocols." + name,
				Why: "lws's plugin of that name is not part of golws; its options are ignored"})
			continue
		}
		if p == nil {
			return o, fail(vc.protocolLine[name], key+".ws-protocols."+name,
				fmt.Errorf("no protocol plugin of that name (registered: %s)", strings.Join(lws.Plugins(), ", ")))
		}
		if g.PingPongSecs > 0 {
			pc := *p // the plugin's value is shared: change a copy
			pc.PingInterval = time.Duration(g.PingPongSecs) * time.Second
			p = &pc
		}
		o.Protocols = append(o.Protocols, p)
		o.ProtocolOptions[name] = withFanout(cfg.Global.Fanout, vc.Protocols[name])
	}

	for j, mc := range vc.Mounts {
		mkey := fmt.Sprintf("%s.mounts[%d]", key, j)
		m, err := b.mount(vc, mc)
		if errors.Is(err, fs.ErrNotExist) {
			// As in lws, whose mounts look for their files per request.
			b.log.Warn(fmt.Sprintf("%s:%d: %s: %v; the mount answers 404 until it exists and golws restarts",
				vc.File, mc.Line, mkey+".origin", err))
			m, err = mux.FileMount(mc.Mountpoint, nothing, nil), nil
		}
		if err != nil {
			return o, fail(mc.Line, mkey+".origin", err)
		}
		if mc.BasicAuth != "" {
			m.BasicAuth = &mux.BasicAuth{File: rel(vc.File, mc.BasicAuth)}
			if _, err := os.Stat(m.BasicAuth.File); err != nil {
				b.log.Warn("basic-auth credentials file cannot be read: every request will be refused", "key", mkey+".basic-auth", "err", err)
			}
		}
		if len(mc.PMO) > 0 {
			m.Options = mc.PMO
		}
		o.Mounts = append(o.Mounts, m)
	}
	o.Mounts = append(o.Mounts, ao.Mounts...)
	return o, nil
}

// listen sets the vhost's address: a unix socket, an interface address or
// device, and the port.
func (b *builder) listen(i int, o *lws.VhostOptions) error {
	vc := b.cfg.Vhosts[i]
	if vc.UnixSocket && vc.listenOn == "" {
		o.Listen = listen.UnixPrefix + vc.Interface
		o.UnixSocketOwner = vc.UnixSocketPerms
		return nil
	}
	iface := vc.Interface
	if iface == "" {
		iface = b.cfg.Global.Interface
	}
	host := ""
	if iface != "" && (net.ParseIP(iface) != nil || iface == "localhost") {
		host = iface
	} else if iface != "" {
		o.Listener = &listen.Options{Interface: iface, BindToDevice: true}
	}
	// "ipv6only": "off" is lws's IPV6_V6ONLY 0: dual-stack, the default.
	if host == "" && o.Listener == nil && vc.NoIPv6 {
		host = "0.0.0.0"
	}
	o.Listen = net.JoinHostPort(host, strconv.Itoa(vc.Port))
	if vc.H2C {
		if o.Listener == nil {
			o.Listener = &listen.Options{}
		}
		o.Listener.H2C = true
	}
	if vc.ApplyListenAccept {
		// Every connection goes to the raw protocol: no HTTP listener.
		b.rawListen, b.rawProto = o.Listen, vc.RawProtocol
		if o.Listener != nil && o.Listener.Interface != "" {
			return &Error{File: vc.File, Line: vc.Line, Key: fmt.Sprintf("vhosts[%d].interface", i),
				Err: errors.New("apply-listen-accept listens on an address; give an IP address, not a device")}
		}
		o.Listen, o.Listener = "", nil
	}
	return nil
}

// tls sets the vhost's TLS: with lws's meaning, only when the global
// init-ssl is on.
func (b *builder) tls(i int, o *lws.VhostOptions) error {
	vc := b.cfg.Vhosts[i]
	key := fmt.Sprintf("vhosts[%d]", i)
	if vc.RedirectHTTP || vc.AllowHTTPOnHTTPS {
		if !vc.AllowNonTLS {
			b.log.Warn("redirect-http and allow-http-on-https apply only with allow-non-tls, as in lwsws: plain connections fail", "vhost", vc.Name)
		}
	}
	if vc.TLSCert == "" {
		return nil
	}
	if !b.cfg.Global.InitSSL {
		b.log.Warn("global init-ssl is off: as in lwsws, the vhost serves without TLS despite host-ssl-cert; set \"init-ssl\": \"1\"", "vhost", vc.Name)
		return nil
	}
	t := &lws.TLSOptions{
		CertFile: rel(vc.File, vc.TLSCert), KeyFile: rel(vc.File, vc.TLSKey),
		CipherList:         vc.Ciphers,
		ClientCertRequired: vc.ClientCertRequired,
	}
	if vc.TLSCA != "" {
		t.ClientCAFile = rel(vc.File, vc.TLSCA)
	}
	if vc.ECDHCurve != "" {
		t.Curves = []string{vc.ECDHCurve}
	}
	if vc.IgnoreMissingCert {
		_, err := os.Stat(t.CertFile)
		if err == nil {
			_, err = os.Stat(t.KeyFile) // lws ignores a missing key too
		}
		if err != nil {
			b.log.Warn("certificate missing: TLS handshakes fail until it exists and the server restarts (ignore-missing-cert)", "vhost", vc.Name, "err", err)
			missing := fmt.Errorf("vhost %q has no certificate yet (%s, %s)", vc.Name, t.CertFile, t.KeyFile)
			t.CertFile, t.KeyFile = "", ""
			t.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return nil, missing }
		}
	}
	if vc.ClientCertRequired && vc.TLSCA == "" {
		return &Error{File: vc.File, Line: vc.Line, Key: key + ".client-cert-required", Err: errors.New("needs host-ssl-ca, the CA that signs the client certificates")}
	}
	o.TLS = t
	if vc.AllowNonTLS {
		switch {
		case vc.RedirectHTTP:
			o.NonTLS = lws.NonTLSRedirect
		case vc.AllowHTTPOnHTTPS:
			o.NonTLS = lws.NonTLSServe
		}
	}
	alpn := vc.ALPN
	if alpn == "" {
		alpn = b.cfg.Global.DefaultALPN
	}
	if alpn != "" && !slices.Contains(strings.Split(strings.ReplaceAll(alpn, " ", ""), ","), "h2") {
		if o.Listener == nil {
			o.Listener = &listen.Options{}
		}
		o.Listener.DisableHTTP2 = true
	}
	return nil
}

// upgradeChecks refuses WebSocket upgrades as strict-host-check and
// disable-no-protocol-ws-upgrades ask.
func upgradeChecks(vc Vhost) func(*http.Request, *mux.Protocol, *mux.AcceptSettings) error {
	return func(r *http.Request, _ *mux.Protocol, _ *mux.AcceptSettings) error {
		if vc.RejectNoProtocol && r.Header.Get("Sec-WebSocket-Protocol") == "" {
			return errors.New("this vhost wants a WebSocket subprotocol (disable-no-protocol-ws-upgrades)")
		}
		if vc.StrictHostCheck {
			return strictHost(r, vc.Name)
		}
		return nil
	}
}

// strictHost checks an upgrade's Host as lws's strict-host-check does: it
// must be the vhost's name and the port the connection came in on, which
// is 80 (443 over TLS) when Host gives none. Over a unix socket there is
// no port to compare.
func strictHost(r *http.Request, name string) error {
	host, port := r.Host, ""
	if h, p, err := net.SplitHostPort(r.Host); err == nil {
		host, port = h, p
	}
	if !strings.EqualFold(host, name) {
		return fmt.Errorf("Host %q is not this vhost's name (strict-host-check)", r.Host)
	}
	la, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr)
	if !ok {
		return nil
	}
	if port == "" {
		port = "80"
		if r.TLS != nil {
			port = "443"
		}
	}
	if port != strconv.Itoa(la.Port) {
		return fmt.Errorf("Host %q is not this vhost's port %d (strict-host-check)", r.Host, la.Port)
	}
	return nil
}

// openAccessLog opens (appending, creating with mode 0600) an access log,
// owned by the user the server will drop to, as lws makes it.
func (b *builder) openAccessLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if cred := b.cfg.Global.Credentials(); !cred.IsZero() && os.Geteuid() == 0 {
		if uid, gid, err := cred.Resolve(); err == nil {
			f.Chown(uid, gid)
		}
	}
	b.files = append(b.files, f)
	return f, nil
}

// proxyTransport is the transport of a proxy mount: for https:// origins,
// the vhost's client TLS (enable-client-ssl, client-ssl-*), which lwsws
// has only with init-ssl.
func (b *builder) proxyTransport(vc Vhost, kind string) (http.RoundTripper, error) {
	if kind != OriginHTTPS {
		return nil, nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	if !b.cfg.Global.InitSSL || !vc.EnableClientSSL {
		b.log.Warn("https:// proxy origin without client TLS: its requests fail (502), as in lwsws; set global \"init-ssl\" and the vhost's \"enable-client-ssl\"", "vhost", vc.Name)
		t.DialTLSContext = func(context.Context, string, string) (net.Conn, error) {
			return nil, fmt.Errorf("vhost %q has no client TLS (init-ssl and enable-client-ssl)", vc.Name)
		}
		return t, nil
	}
	tc := &tls.Config{}
	if vc.ClientSSLCA != "" {
		pemBytes, err := os.ReadFile(rel(vc.File, vc.ClientSSLCA))
		if err != nil {
			return nil, fmt.Errorf("client-ssl-ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("client-ssl-ca %q holds no PEM certificate", vc.ClientSSLCA)
		}
	}
	if vc.ClientSSLCert != "" {
		cert, err := tls.LoadX509KeyPair(rel(vc.File, vc.ClientSSLCert), rel(vc.File, vc.ClientSSLKey))
		if err != nil {
			return nil, fmt.Errorf("client-ssl-cert / client-ssl-key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if vc.ClientSSLCiphers != "" {
		ids, _, err := tlsconf.CipherList(vc.ClientSSLCiphers)
		if err != nil {
			return nil, fmt.Errorf("client-ssl-ciphers: %w", err)
		}
		tc.CipherSuites = ids
	}
	t.TLSClientConfig = tc
	return t, nil
}

// mount builds the mux.Mount of one mount entry.
func (b *builder) mount(vc Vhost, mc Mount) (mux.Mount, error) {
	file, ao := vc.File, b.ao
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
		fo := &mux.FileOptions{
			Default:        mc.Default,
			ExtraMIME:      mc.ExtraMimeTypes,
			MaxAge:         mc.CacheMaxAge,
			Reusable:       mc.CacheReuse,
			Revalidate:     mc.CacheRevalidate,
			Intermediaries: mc.CacheIntermediaries,
		}
		for suffix, proto := range mc.Interpret {
			if fo.Interpret == nil {
				fo.Interpret = map[string]http.Handler{}
			}
			cb := &mux.Callback{Protocol: proto} // bound by finish
			b.interpret[proto] = append(b.interpret[proto], cb)
			fo.Interpret[suffix] = cb
		}
		return mux.FileMount(path, fsys, fo), nil
	case OriginCGI:
		h, err := mux.NewCGI(path, rel(file, target), &mux.CGIOptions{
			Env:     mc.CGIEnv,
			Timeout: time.Duration(mc.CGITimeout) * time.Second,
			Logger:  slog.Default(),
		})
		return mux.Mount{Path: path, Handler: h}, err
	case OriginHTTP, OriginHTTPS:
		t, err := b.proxyTransport(vc, kind)
		if err != nil {
			return mux.Mount{}, err
		}
		// The proxy's errors go to the configuration's log, at its level.
		po := &mux.ProxyOptions{Logger: b.log.With("vhost", vc.Name)}
		if t != nil {
			po.Transport = t
		}
		h, err := mux.NewProxy(path, target, po)
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

// withFanout gives a protocol's options the global "fanout" options it does
// not set itself.
func withFanout(fanout, own map[string]string) map[string]string {
	if len(fanout) == 0 {
		return own
	}
	out := make(map[string]string, len(fanout)+len(own))
	maps.Copy(out, fanout)
	maps.Copy(out, own)
	return out
}
