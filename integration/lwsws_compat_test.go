package integration

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lwswsDataDir is where Debian's libwebsockets-test-server installs lws's
// test server files; _lws_ddir_ stands for its parent.
const lwswsDataDir = "/usr/share/libwebsockets-test-server"

// writeLwswsConfig writes a configuration in the style of lwsws's
// documentation (README.lwsws.md): a global file with '#' comments and a
// conf.d vhost file with file, CGI, callback and basic-auth mounts,
// ws-protocols with options, an access log and extra headers. It returns
// the global file, the conf.d directory and the access log path.
func writeLwswsConfig(t *testing.T, global string) (conf, confd, accessLog string) {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o755) // readable after a privilege drop
	confd = filepath.Join(dir, "conf.d")
	os.Mkdir(confd, 0o755)
	accessLog = filepath.Join(dir, "test-access-log")
	cgi := filepath.Join(dir, "hello-cgi.sh")
	os.WriteFile(cgi, []byte("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"cgi says $GREETING for $QUERY_STRING\"\n"), 0o755)
	logins := filepath.Join(dir, "balogins-private")
	os.WriteFile(logins, []byte("testuser:testpass\nmyuser:hispass\n"), 0o644)
	conf = filepath.Join(dir, "conf")
	os.WriteFile(conf, []byte(`# these are the server global settings
# stuff related to vhosts should go in one
# file per vhost in ../conf.d/

{
  "global": {
`+global+`
   "count-threads": "1",
   "server-string": "myserver v1", # returned in http headers
   "ws-pingpong-secs": "200", # confirm idle established ws connections this often
   "init-ssl": "yes"
 }
}
`), 0o644)
	os.WriteFile(filepath.Join(confd, "localhost"), []byte(fmt.Sprintf(`{
 "vhosts": [ {
     "name": "localhost",
     "port": "7681",
# by default, bind to all interfaces, but you can restrict it
     "interface": "127.0.0.1",
     "access-log": %q,
     "sts": "on",
     "headers": [{
        "Content-Security-Policy": "script-src 'self'",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN"
     }],
     "mounts": [{  # autoserve
       "mountpoint": "/",
       "origin": "file://_lws_ddir_/libwebsockets-test-server",
       "default": "test.html",
       "cache-max-age": "60",
       "cache-reuse": "1",
       "cache-revalidate": "1",
       "cache-intermediaries": "0"
       }, {
        "mountpoint": "/basic-auth",
        "origin": "file://_lws_ddir_/libwebsockets-test-server/private",
        "basic-auth": %q
       }, {
        "mountpoint": "/testcgi",
        "origin": "cgi://%s",
        "cgi-env": [{ "GREETING": "hello" }],
        "cgi-timeout": "20"
       }, {
        "mountpoint": "/formtest",
        "origin": "callback://protocol-post-demo"
       }],
     # which protocols are enabled for this vhost, and optional
     # vhost-specific config options for the protocol
     #
     "ws-protocols": [{
       "dumb-increment-protocol": {
         "status": "ok"
       },
       "lws-mirror-protocol": {
         "status": "ok"
       },
       "lws-echo": {
         "status": "ok",
         "default": "1"
       },
       "protocol-post-demo": {
         "status": "ok"
       }
     }]
    }
  ]
}
`, accessLog, logins, cgi)), 0o644)
	return conf, confd, accessLog
}

// TestLwswsConfigurationOverCurlAndPython starts golws's lwsws on a
// configuration written as lwsws's documentation writes one and checks
// each key's effect with curl and Python's websockets.
func TestLwswsConfigurationOverCurlAndPython(t *testing.T) {
	if _, err := os.Stat(lwswsDataDir + "/test.html"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("libwebsockets-test-server is missing (.ci/run installs it): %v", err)
		}
		t.Skip("libwebsockets-test-server not installed")
	}
	conf, confd, accessLog := writeLwswsConfig(t, "")
	url := example(t, "lwsws", "-config", conf, "-confd", confd)

	head := curlOut(t, "-D", "-", "-o", "/dev/null", url+"/")
	for _, want := range []string{"HTTP/1.1 200", "Server: myserver v1", "Strict-Transport-Security: max-age=15768000 ; includeSubDomains",
		"Content-Security-Policy: script-src 'self'", "X-Frame-Options: SAMEORIGIN", "X-Content-Type-Options: nosniff",
		"Cache-Control: must-revalidate, private, max-age=60"} {
		if !strings.Contains(head, want) {
			t.Errorf("GET / headers lack %q:\n%s", want, head)
		}
	}
	if body := curlOut(t, url+"/"); !strings.Contains(body, "Minimal Websocket test app") {
		t.Fatalf("GET / (_lws_ddir_ origin): %.200q", body)
	}
	if body := curlOut(t, url+"/testcgi?x=1"); body != "cgi says hello for x=1\n" {
		t.Fatalf("cgi: %q", body)
	}
	if code := curlOut(t, "-o", "/dev/null", "-w", "%{http_code}", url+"/basic-auth/index.html"); code != "401" {
		t.Fatalf("basic-auth without credentials: %s", code)
	}
	if code := curlOut(t, "-o", "/dev/null", "-w", "%{http_code}", "-u", "testuser:wrong", url+"/basic-auth/index.html"); code != "401" {
		t.Fatalf("basic-auth, wrong password: %s", code)
	}
	if body := curlOut(t, "-u", "myuser:hispass", url+"/basic-auth/index.html"); !strings.Contains(body, "Protected by basic auth") {
		t.Fatalf("basic-auth: %.200q", body)
	}
	if body := curlOut(t, "-d", "text=golws", url+"/formtest"); !strings.Contains(body, `"value":"golws"`) {
		t.Fatalf("formtest: %q", body)
	}

	// ws-protocols with their options: lws-echo is the default.
	pyCheck(t, "echo", ws(url), "5", "1000")
	if res := pyCheck(t, "subprotocol", ws(url), "dumb-increment-protocol"); res["subprotocol"] != "dumb-increment-protocol" || res["first"] != "0" {
		t.Fatalf("dumb-increment-protocol: %v", res)
	}
	if res := pyCheck(t, "refused", ws(url), "x-unknown"); res["status"] != float64(400) {
		t.Fatalf("unknown subprotocol: %v", res)
	}

	// The access log, as lws writes it.
	line := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /testcgi\?x=1 HTTP/1\.1" 200 \d+ "" "curl/[^"]+"$`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if f, err := os.Open(accessLog); err == nil {
			found := false
			for sc := bufio.NewScanner(f); sc.Scan(); {
				found = found || line.MatchString(sc.Text())
			}
			f.Close()
			if found {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(accessLog)
			t.Fatalf("no CGI line in the access log:\n%s", b)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// TestLwswsDropsPrivileges starts lwsws as root with "username": "nobody"
// and checks the running process's ids once it listens.
func TestLwswsDropsPrivileges(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat(lwswsDataDir + "/test.html"); err != nil {
		t.Skip("libwebsockets-test-server not installed")
	}
	conf, confd, accessLog := writeLwswsConfig(t, `   "username": "nobody",
   "groupname": "nogroup",`)
	lines, _, cmd := launchCmd(t, "lwsws", os.Stderr, "-addr", "127.0.0.1:0", "-config", conf, "-confd", confd)
	url := expectLine(t, lines, "listening on ")
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	uid := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(string(status))
	gid := regexp.MustCompile(`(?m)^Gid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$`).FindStringSubmatch(string(status))
	if uid == nil || gid == nil || uid[1] != "65534" || uid[2] != "65534" || uid[3] != "65534" || gid[1] != "65534" || gid[2] != "65534" {
		t.Fatalf("ids after the drop:\n%s", status)
	}
	if body := curlOut(t, url+"/"); !strings.Contains(body, "Minimal Websocket test app") {
		t.Fatalf("serving as nobody: %.200q", body)
	}
	if fi, err := os.Stat(accessLog); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("access log %v %v", fi, err)
	}
}
