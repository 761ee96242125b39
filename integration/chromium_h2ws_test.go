package integration

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/internal/testcert"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/mux"
	"github.com/golws/lws/plugins/echo"
)

// h2wsPage opens a WebSocket to its own origin, sends one message and
// keeps what comes back in window.result.
const h2wsPage = `<!doctype html>
<title>WebSocket over the page's connection</title>
<script>
window.result = {state: "connecting"};
const ws = new WebSocket("wss://" + location.host + "/", "` + echo.Name + `");
ws.onopen = () => ws.send("hello from " + navigator.userAgent);
ws.onmessage = (e) => { window.result = {state: "echoed", data: e.data, protocol: ws.protocol}; };
ws.onerror = () => { window.result = {state: "error"}; };
</script>`

// transportLog records what the server saw: the page's requests and the
// WebSocket handshakes, each with its protocol and TCP peer, and the TLS
// handshakes with their ALPN protocol.
type transportLog struct {
	mu    sync.Mutex
	pages []seen
	ws    []seen
	tls   []string // ALPN protocol of each TLS connection
}

type seen struct {
	proto      int    // r.ProtoMajor
	remoteAddr string // the TCP connection it came on
}

func (l *transportLog) snapshot() (pages, ws []seen, alpn []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]seen(nil), l.pages...), append([]seen(nil), l.ws...), append([]string(nil), l.tls...)
}

// TestChromiumH2WebSockets finds out which transport Chromium picks for a
// WebSocket to the origin of a page it loaded over HTTP/2 from a golws TLS
// vhost whose listener announces SETTINGS_ENABLE_CONNECT_PROTOCOL (this test
// binary imports package h2ws).
//
// The finding, with Debian's Chromium 156: Chromium opens the WebSocket as
// an RFC 8441 extended CONNECT on a new stream of the page's HTTP/2
// connection, by default, with no flag. (It shipped in Chrome 91; the
// binary names no switch or feature for it, only one for HTTP/3,
// EnableWebsocketsOverHttp3.) It does so whether the self-signed
// certificate is trusted through --ignore-certificate-errors-spki-list or
// its errors are ignored with --ignore-certificate-errors. The same page
// gets an HTTP/1.1 upgrade, on a TLS connection of its own, when the
// listener has HTTP/2 off (DisableHTTP2) or Chromium runs with
// --disable-http2.
//
// Each case asserts that the message comes back on the negotiated
// subprotocol and what the server saw: the protocol of the page's request
// and of the WebSocket's (ProtoMajor 2 is an extended CONNECT: over HTTP/2
// golws hands the vhost nothing else as an upgrade), whether the WebSocket
// came on the page's TCP connection, and the ALPN protocol of every TLS
// connection Chromium opened.
func TestChromiumH2WebSockets(t *testing.T) {
	cert := testcert.New(t, testcert.ECDSA, "127.0.0.1")
	spki := sha256.Sum256(cert.Leaf.RawSubjectPublicKeyInfo)
	allowlist := chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:]))
	for _, tc := range []struct {
		name      string
		noH2      bool // DisableHTTP2 on the listener
		flags     []chromedp.ExecAllocatorOption
		wantProto int // of the WebSocket's request
	}{
		{"h2/spki-allowlist", false, []chromedp.ExecAllocatorOption{allowlist}, 2},
		{"h2/ignore-certificate-errors", false, []chromedp.ExecAllocatorOption{chromedp.Flag("ignore-certificate-errors", true)}, 2},
		{"http1.1/listener-without-h2", true, []chromedp.ExecAllocatorOption{allowlist}, 1},
		{"http1.1/chromium-disable-http2", false, []chromedp.ExecAllocatorOption{allowlist, chromedp.Flag("disable-http2", true)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &transportLog{}
			srv := lws.New(lwstest.Quiet())
			v, err := srv.NewVhost(lws.VhostOptions{
				Listen:    "127.0.0.1:0",
				Protocols: []*lws.Protocol{echo.Protocol},
				TLS: &lws.TLSOptions{Certificates: []tls.Certificate{cert.TLS}, OnHandshake: func(e lws.TLSEvent) {
					if e.Err == nil {
						log.mu.Lock()
						log.tls = append(log.tls, e.State.NegotiatedProtocol)
						log.mu.Unlock()
					}
				}},
				Listener: &listen.Options{DisableHTTP2: tc.noH2},
				BeforeAccept: func(r *http.Request, _ *mux.Protocol, _ *mux.AcceptSettings) error {
					log.mu.Lock()
					log.ws = append(log.ws, seen{r.ProtoMajor, r.RemoteAddr})
					log.mu.Unlock()
					return nil
				},
				HTTP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/" {
						http.NotFound(w, r)
						return
					}
					log.mu.Lock()
					log.pages = append(log.pages, seen{r.ProtoMajor, r.RemoteAddr})
					log.mu.Unlock()
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					fmt.Fprint(w, h2wsPage)
				}),
			})
			if err != nil {
				t.Fatal(err)
			}
			lwstest.Run(t, srv) // cleaned up after the browser, which closes its connections
			tab := browser(t, tc.flags...)
			if err := chromedp.Do(tab, chromedp.Navigate(v.URL()+"/")); err != nil {
				t.Fatal(err)
			}
			until(t, tab, "the echo", `window.result.state !== "connecting"`)
			res := eval[map[string]string](t, tab, `window.result`)
			if res["state"] != "echoed" || !strings.HasPrefix(res["data"], "hello from ") || res["protocol"] != echo.Name {
				t.Fatalf("page: %v, want the message echoed on subprotocol %s", res, echo.Name)
			}

			pages, ws, alpn := log.snapshot()
			t.Logf("page requests %v, WebSockets %v, TLS connections (ALPN) %q", pages, ws, alpn)
			if len(pages) != 1 || len(ws) != 1 {
				t.Fatalf("%d page requests and %d WebSockets, want 1 and 1", len(pages), len(ws))
			}
			page, sock := pages[0], ws[0]
			if page.proto != tc.wantProto {
				t.Errorf("the page came over HTTP/%d, want HTTP/%d", page.proto, tc.wantProto)
			}
			if sock.proto != tc.wantProto {
				t.Fatalf("Chromium opened the WebSocket over HTTP/%d, want HTTP/%d", sock.proto, tc.wantProto)
			}
			sameConn := sock.remoteAddr == page.remoteAddr
			if sameConn != (tc.wantProto == 2) {
				t.Errorf("WebSocket from %s, page from %s: on the page's connection %v, want %v",
					sock.remoteAddr, page.remoteAddr, sameConn, tc.wantProto == 2)
			}
			// Chromium may open a spare connection besides the page's; over
			// HTTP/2 it opens none for HTTP/1.1.
			want := map[int]string{1: "http/1.1", 2: "h2"}[tc.wantProto]
			if i := slices.IndexFunc(alpn, func(p string) bool { return p != want }); i >= 0 || len(alpn) == 0 {
				t.Errorf("TLS connections by ALPN %q, want all %s", alpn, want)
			}
		})
	}
}
