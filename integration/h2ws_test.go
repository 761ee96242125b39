package integration

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golws/lws"
	_ "github.com/golws/lws/h2ws" // WebSockets over HTTP/2
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/plugins/echo"
)

// h2cEchoServer starts golws's echo protocol on an h2c listener in this
// process and returns its address.
func h2cEchoServer(t *testing.T) string {
	t.Helper()
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Listener: &listen.Options{H2C: true},
		Protocols: []*lws.Protocol{echo.Protocol}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)
	return v.Addr().String()
}

// TestPythonH2WebSockets drives golws with a client golws did not write:
// python3-h2 sends RFC 8441 extended CONNECTs by hand, eight WebSockets on
// one h2c connection, echoes on each, closes one with 4001 and checks the
// others still work, and pings.
func TestPythonH2WebSockets(t *testing.T) {
	if err := exec.Command(python, "-c", "import h2").Run(); err != nil {
		t.Skip("python3-h2 not installed: apt-get install python3-h2")
	}
	addr := h2cEchoServer(t)
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "testdata/h2ws.py", host, port, "8", echo.Name).Output()
	if err != nil {
		t.Fatalf("h2ws.py: %v\n%s", err, out)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil || res["ok"] != true {
		t.Fatalf("h2ws.py: %s (%v)", out, err)
	}
	want := map[string]any{
		"enable_connect_protocol": float64(1),
		"statuses":                []any{"200", "200", "200", "200", "200", "200", "200", "200"},
		"subprotocol":             echo.Name,
		"echoed":                  float64(8),
		"close_answer":            float64(4001),
		"pong":                    true,
		"still_open":              true,
	}
	for k, v := range want {
		if fmt.Sprint(res[k]) != fmt.Sprint(v) {
			t.Errorf("%s = %v, want %v", k, res[k], v)
		}
	}
}

// TestCurlMisdirected: curl opens an HTTP/2 connection for localhost (SNI)
// and asks for another vhost's name (:authority): 421. (nghttp sends its
// :authority override as the SNI too, so it cannot make this request.)
func TestCurlMisdirected(t *testing.T) {
	requireTool(t, "curl", "curl")
	certA := testcert.New(t, testcert.ECDSA, "localhost")
	certB := testcert.New(t, testcert.ECDSA, "b.example")
	srv := lws.New(lwstest.Quiet())
	a, err := srv.NewVhost(lws.VhostOptions{Name: "localhost", Listen: "127.0.0.1:0", HTTP: okHandler("a"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{certA.TLS}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.NewVhost(lws.VhostOptions{Name: "b.example", Listen: a.Addr().String(), HTTP: okHandler("b"),
		TLS: &lws.TLSOptions{Certificates: []tls.Certificate{certB.TLS}}}); err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)
	_, port, _ := strings.Cut(a.Addr().String(), ":")
	u := "https://localhost:" + port + "/"
	for _, tc := range []struct{ host, want string }{
		{"localhost", "200"},
		{"b.example", "421"},
	} {
		out := run(t, "curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", "-H", "Host: "+tc.host, u)
		if out != "2 "+tc.want {
			t.Errorf("SNI localhost, Host %s: %q, want HTTP/2 %s", tc.host, out, tc.want)
		}
	}
}

// TestNghttpUpgrade: nghttp -u takes the HTTP/1.1 "Upgrade: h2c" of a golws
// h2c listener.
func TestNghttpUpgrade(t *testing.T) {
	requireTool(t, "nghttp", "nghttp2-client")
	srv := lws.New(lwstest.Quiet())
	v, err := srv.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", HTTP: okHandler("up"), Listener: &listen.Options{H2C: true}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, srv)
	out := run(t, "nghttp", "-uv", "http://"+v.Addr().String()+"/")
	for _, want := range []string{"HTTP Upgrade response", "HTTP Upgrade success", ":status: 200", "SETTINGS_ENABLE_CONNECT_PROTOCOL"} {
		if !strings.Contains(out, want) {
			t.Fatalf("nghttp -u: no %q in:\n%s", want, out)
		}
	}
}

// okHandler answers every request with name.
func okHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, name) })
}
