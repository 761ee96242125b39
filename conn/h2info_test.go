package conn_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/golws/lws/conn"
)

// extendedConnect is an RFC 8441 request as net/http's HTTP/2 server
// hands it to a handler.
func extendedConnect() *http.Request {
	r := httptest.NewRequest(http.MethodConnect, "https://example.com/chat", nil)
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	r.Header.Set(":protocol", "websocket")
	r.Header.Set("Sec-WebSocket-Version", "13")
	r.Header.Add("Sec-WebSocket-Protocol", "a")
	r.Header.Add("Sec-WebSocket-Protocol", "b")
	return r
}

func sameMap(a, b http.Header) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestH2UpgradeInfoSharesHeaders: the Info of a WebSocket over HTTP/2 keeps
// the extended CONNECT's own headers rather than a copy, unless a handler
// changed the upgrade request's headers or passed on another request.
func TestH2UpgradeInfoSharesHeaders(t *testing.T) {
	r := extendedConnect()
	_, hr := conn.NewH2Upgrade(httptest.NewRecorder(), r)
	if hr.Method != http.MethodGet || hr.Header.Get("Upgrade") != "websocket" || hr.Header.Get("Sec-WebSocket-Key") == "" ||
		hr.Header.Get(":protocol") != "websocket" || r.Header.Get("Upgrade") != "" {
		t.Fatalf("upgrade request %s %v from %v", hr.Method, hr.Header, r.Header)
	}
	if info := conn.InfoFromRequest(hr, "a"); !sameMap(info.Header, r.Header) || info.URL != r.URL {
		t.Fatalf("Info copies the headers or URL net/http keeps: %v", info.Header)
	}

	// Adding to a shared value copies it: the original is untouched.
	r = extendedConnect()
	_, hr = conn.NewH2Upgrade(httptest.NewRecorder(), r)
	hr.Header.Add("Sec-WebSocket-Protocol", "c")
	if got := r.Header.Values("Sec-WebSocket-Protocol"); len(got) != 2 {
		t.Fatalf("the original's protocols became %q", got)
	}
	info := conn.InfoFromRequest(hr, "")
	if sameMap(info.Header, r.Header) || len(info.Header.Values("Sec-WebSocket-Protocol")) != 3 {
		t.Fatalf("Info after a change: %v", info.Header)
	}

	for name, change := range map[string]func(*http.Request) *http.Request{
		"set":     func(hr *http.Request) *http.Request { hr.Header.Set("X-User", "u"); return hr },
		"del":     func(hr *http.Request) *http.Request { hr.Header.Del("Sec-Websocket-Version"); return hr },
		"replace": func(hr *http.Request) *http.Request { hr.Header.Set("Sec-Websocket-Version", "13"); return hr },
		"another": func(hr *http.Request) *http.Request { return hr.WithContext(hr.Context()) },
		"del upgrade": func(hr *http.Request) *http.Request {
			hr.Header.Del("Upgrade")
			hr.Header.Set("X-Other", "1")
			return hr
		},
		"http/1.1 too": func(*http.Request) *http.Request { return httptest.NewRequest(http.MethodGet, "/", nil) },
	} {
		r := extendedConnect()
		_, hr := conn.NewH2Upgrade(httptest.NewRecorder(), r)
		req := change(hr)
		info := conn.InfoFromRequest(req, "")
		if sameMap(info.Header, r.Header) || sameMap(info.Header, req.Header) || !reflect.DeepEqual(info.Header, req.Header) {
			t.Errorf("%s: Info's headers %v, want a copy of %v", name, info.Header, req.Header)
		}
	}
}
