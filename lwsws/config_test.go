package lwsws_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golws/lws/lwsws"
)

const globalConf = `{
  "global": {
    "ws-pingpong-secs": "30",
    "log-level": "notice"
  }
}`

const vhostConf = `{
  "vhosts": [{
    "name": "localhost",
    "port": "7681",
    "interface": "127.0.0.1",
    "error-document-404": "/404.html",
    "listen-accept-role": "raw-skt",
    "listen-accept-protocol": "lws-echo",
    "mounts": [{
      "mountpoint": "/",
      "origin": "file:///var/www",
      "default": "index.html",
      "cache-max-age": 60,
      "cache-reuse": "1",
      "cache-revalidate": "0",
      "extra-mimetypes": { ".zip": "application/zip" }
    }, {
      "mountpoint": "/cgi",
      "origin": "cgi:///usr/lib/cgi-bin/x.sh",
      "cgi-env": [{ "GREETING": "hello" }],
      "cgi-timeout": "20"
    }, {
      "mountpoint": "/formtest",
      "origin": "callback://protocol-post-demo"
    }, {
      "mountpoint": "/old",
      "origin": ">https://example.com/new"
    }],
    "ws-protocols": [{
      "dumb-increment-protocol": { "status": "ok", "default": "1" },
      "lws-mirror-protocol": {}
    }]
  }]
}`

func TestConfigParse(t *testing.T) {
	dir := t.TempDir()
	global := filepath.Join(dir, "conf")
	os.WriteFile(global, []byte(globalConf), 0o644)
	os.Mkdir(filepath.Join(dir, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "conf.d", "10-localhost.json"), []byte(vhostConf), 0o644)
	cfg, err := lwsws.Load(global, filepath.Join(dir, "conf.d"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.PingPongSecs != 30 || cfg.Global.LogLevel != "notice" {
		t.Fatalf("global %+v", cfg.Global)
	}
	if len(cfg.Vhosts) != 1 {
		t.Fatalf("vhosts %+v", cfg.Vhosts)
	}
	v := cfg.Vhosts[0]
	if v.Name != "localhost" || v.Port != 7681 || v.ErrorDocument404 != "/404.html" || v.RawProtocol != "lws-echo" {
		t.Fatalf("vhost %+v", v)
	}
	if len(v.Mounts) != 4 || v.Mounts[0].CacheMaxAge != 60 || !v.Mounts[0].CacheReuse ||
		v.Mounts[0].ExtraMimeTypes[".zip"] != "application/zip" || v.Mounts[1].CGIEnv["GREETING"] != "hello" ||
		v.Mounts[1].CGITimeout != 20 {
		t.Fatalf("mounts %+v", v.Mounts)
	}
	if v.Protocols["dumb-increment-protocol"]["default"] != "1" || len(v.ProtocolsOrder) != 2 {
		t.Fatalf("protocols %+v", v.Protocols)
	}
	for _, tt := range []struct{ origin, kind, target string }{
		{"file:///var/www", lwsws.OriginFile, "/var/www"},
		{"cgi:///x.sh", lwsws.OriginCGI, "/x.sh"},
		{"callback://protocol-post-demo", lwsws.OriginCallback, "protocol-post-demo"},
		{">https://example.com/new", lwsws.OriginRedirect, "https://example.com/new"},
		{"http://127.0.0.1:8080/app", lwsws.OriginHTTP, "http://127.0.0.1:8080/app"},
		{"https://backend/", lwsws.OriginHTTPS, "https://backend/"},
	} {
		kind, target, err := lwsws.OriginKind(tt.origin)
		if err != nil || kind != tt.kind || target != tt.target {
			t.Errorf("OriginKind(%q) = %q, %q, %v", tt.origin, kind, target, err)
		}
	}
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"unknown key", "{\n \"vhosts\": [{\n  \"name\": \"a\",\n  \"prot\": \"1\"\n }]\n}",
			"site.json:4: vhosts[0].prot: unknown key"},
		{"wrong type", "{\n \"vhosts\": [{\n  \"name\": \"a\",\n  \"port\": [1]\n }]\n}",
			"site.json:4: vhosts[0].port: want a whole number"},
		{"bad origin", "{\"vhosts\": [{\"name\": \"a\", \"port\": 1,\n \"mounts\": [{\"mountpoint\": \"/\",\n \"origin\": \"ftp://x\"}]}]}",
			"site.json:2: vhosts[0].mounts[0].origin: origin \"ftp://x\": unknown scheme"},
		{"missing port", "{\"vhosts\": [{\"name\": \"a\"}]}", "site.json:1: vhosts[0].port: a vhost needs a port"},
		{"bad flag", "{\"vhosts\": [{\"name\": \"a\", \"port\": 1, \"mounts\": [{\"mountpoint\": \"/\", \"origin\": \"file:///x\",\n\"cache-reuse\": \"maybe\"}]}]}",
			"site.json:2: vhosts[0].mounts[0].cache-reuse: \"maybe\" is not a flag"},
		{"syntax", "{\n \"vhosts\": [\n}", "site.json:3:"},
		{"cut off in an array", "{\n \"vhosts\": [", "site.json:2: unexpected end of JSON"},
		{"cut off in an object", "{\"global\": {\"log-level\": \"err\"", "site.json:1: unexpected end of JSON"},
		{"cut off after a vhost", "{\"vhosts\": [{\"name\": \"a\", \"port\": 1}", "unexpected end of JSON"},
		{"only a brace", "{", "unexpected end of JSON"},
		{"unknown global", "{\"global\": {\"uidd\": \"48\"}}", "site.json:1: global.uidd: unknown key"},
		{"error after a comment line", "# a comment\n{\n \"vhosts\": [{ # the site\n  \"name\": \"a\",\n  \"prot\": \"1\"\n }]\n}",
			"site.json:5: vhosts[0].prot: unknown key"},
		{"warned key of no value", "{\"global\": {\"count-threads\": null}}", "global.count-threads: want a value"},
		{"bad log level", "{\"global\": {\"log-level\": \"loud\"}}", "global.log-level: logging: unknown log level"},
		{"raw role without protocol", "{\"vhosts\": [{\"name\": \"a\", \"port\": 1, \"listen-accept-role\": \"raw-skt\"}]}",
			"vhosts[0].listen-accept-protocol: the raw-skt role needs a protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg lwsws.Config
			err := cfg.Parse("site.json", []byte(tt.json))
			var ce *lwsws.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// FuzzConfigParse checks that no input makes the parser panic, and that
// every failure is a located ConfigError.
func FuzzConfigParse(f *testing.F) {
	f.Add([]byte(globalConf))
	f.Add([]byte(vhostConf))
	f.Add([]byte(`{"vhosts": [{"name": 1}]}`))
	f.Add([]byte("# comment\n{\"global\": {\"uid\": \"48\"} # more\n}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg lwsws.Config
		err := cfg.Parse("fuzz.json", data)
		var ce *lwsws.Error
		if err != nil && (!errors.As(err, &ce) || ce.File != "fuzz.json") {
			t.Fatalf("unlocated error %v", err)
		}
		if err == nil && !bytes.Contains(data, []byte("#")) && !json.Valid(data) {
			t.Fatalf("invalid JSON %q accepted", data) // only comments are beyond JSON
		}
	})
}
