package lws_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/listen"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/mux"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// named answers every message with its protocol's name and vhost option "greeting".
type named struct {
	conn.NopSession
	vp      *lws.VhostProtocol
	pending bool
}

func (s *named) Receive(c *conn.Conn, in conn.Chunk) error {
	s.pending = true
	c.RequestWritable()
	return nil
}

func (s *named) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	return c.Write(conn.Text, []byte(s.vp.Protocol.Name+s.vp.Options["greeting"]))
}

func namedProtocol(name string) *lws.Protocol {
	return &lws.Protocol{
		Name:       name,
		NewSession: func(vp *lws.VhostProtocol, c *conn.Conn) conn.Session { return &named{vp: vp} },
	}
}

func ask(t *testing.T, url string, opts *websocket.DialOptions) (string, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		return "", resp, err
	}
	defer c.CloseNow()
	if err := c.Write(ctx, websocket.MessageText, []byte("?")); err != nil {
		return "", resp, err
	}
	_, b, err := c.Read(ctx)
	c.Close(websocket.StatusNormalClosure, "")
	return string(b), resp, err
}

func TestSubprotocolSelection(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{
		Listen:          "127.0.0.1:0",
		Protocols:       []*lws.Protocol{namedProtocol("first"), namedProtocol("second"), namedProtocol("third")},
		ProtocolOptions: map[string]map[string]string{"second": {"default": "1", "greeting": "!"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	tests := []struct {
		name    string
		offer   []string
		want    string
		wantErr int
	}{
		{"none names the default (pvo)", nil, "second!", 0},
		{"named", []string{"third"}, "third", 0},
		{"first known of several", []string{"nope", "first", "third"}, "first", 0},
		{"unknown only", []string{"nope"}, "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, resp, err := ask(t, lwstest.WS(v), &websocket.DialOptions{Subprotocols: tt.offer})
			if tt.wantErr != 0 {
				if err == nil || resp == nil || resp.StatusCode != tt.wantErr {
					t.Fatalf("got %q, %v; want HTTP %d", got, err, tt.wantErr)
				}
				body, _ := io.ReadAll(resp.Body)
				if !strings.Contains(string(body), "nope") || !strings.Contains(string(body), "first") {
					t.Fatalf("refusal does not say what was offered and what is spoken: %q", body)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDefaultIsFirstProtocol(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0",
		Protocols: []*lws.Protocol{namedProtocol("first"), namedProtocol("second")}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	if got, _, err := ask(t, lwstest.WS(v), nil); err != nil || got != "first" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestOriginChecking(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	strict, err := c.NewVhost(lws.VhostOptions{Name: "strict", Listen: "127.0.0.1:0",
		Protocols: []*lws.Protocol{namedProtocol("p")}})
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := c.NewVhost(lws.VhostOptions{Name: "allowed", Listen: "127.0.0.1:0",
		Protocols: []*lws.Protocol{namedProtocol("p")}, OriginPatterns: []string{"*.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	origin := func(o string) *websocket.DialOptions {
		return &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {o}}}
	}
	tests := []struct {
		name   string
		v      *lws.Vhost
		origin string
		ok     bool
	}{
		{"same origin", strict, strict.URL(), true},
		{"cross origin refused by default", strict, "http://evil.test", false},
		{"pattern allows", allowed, "https://app.example.com", true},
		{"pattern does not allow others", allowed, "http://evil.test", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, resp, err := ask(t, lwstest.WS(tt.v), origin(tt.origin))
			if tt.ok && err != nil {
				body := ""
				if resp != nil {
					b, _ := io.ReadAll(resp.Body)
					body = string(b)
				}
				t.Fatalf("refused: %v: %s", err, body)
			}
			if !tt.ok && (resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Fatalf("want 403, got %v", err)
			}
		})
	}
}

func TestCompressionPerProtocolAndConnection(t *testing.T) {
	zip := namedProtocol("zip")
	zip.Compression = mux.Compression{Mode: mux.CompressionContextTakeover}
	plain := namedProtocol("plain")
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{zip, plain},
		BeforeAccept: func(r *http.Request, p *mux.Protocol, s *mux.AcceptSettings) error {
			if r.URL.Query().Get("deflate") == "off" {
				s.Compression.Mode = mux.CompressionOff
			}
			if r.URL.Query().Get("deny") != "" {
				return errors.New("denied by hook")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	tests := []struct {
		proto, query string
		wantExt      bool
		wantStatus   int
	}{
		{"zip", "", true, 0},
		{"plain", "", false, 0},
		{"zip", "?deflate=off", false, 0},
		{"zip", "?deny=1", false, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.proto+tt.query, func(t *testing.T) {
			_, resp, err := ask(t, lwstest.WS(v)+"/"+tt.query, &websocket.DialOptions{
				Subprotocols: []string{tt.proto}, CompressionMode: websocket.CompressionContextTakeover})
			if tt.wantStatus != 0 {
				if resp == nil || resp.StatusCode != tt.wantStatus {
					t.Fatalf("want %d, got %v", tt.wantStatus, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got := strings.Contains(ext, "permessage-deflate"); got != tt.wantExt {
				t.Fatalf("extensions %q, want deflate %v", ext, tt.wantExt)
			}
		})
	}
}

// counter sends its count on every writeable it is given.
type counter struct {
	n *atomic.Int64
}

func (s counter) Receive(*conn.Conn, conn.Chunk) error { return nil }
func (s counter) Writeable(c *conn.Conn) error {
	s.n.Add(1)
	return c.Write(conn.Text, []byte("tick"))
}

func TestRequestWritableAllAndShutdown(t *testing.T) {
	var writes atomic.Int64
	var destroyed atomic.Int32
	p := &lws.Protocol{
		Name:       "tick",
		NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return counter{&writes} },
		Destroy:    func(*lws.VhostProtocol) { destroyed.Add(1) },
	}
	c := lws.New(lwstest.Quiet())
	v, err := c.NewVhost(lws.VhostOptions{Listen: "127.0.0.1:0", Protocols: []*lws.Protocol{p}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	var clients []*websocket.Conn
	for range 5 {
		wc, _, err := websocket.Dial(dctx, lwstest.WS(v), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer wc.CloseNow()
		clients = append(clients, wc)
	}
	for v.Protocol("tick").Len() < 5 {
		if dctx.Err() != nil {
			t.Fatal("connections not registered")
		}
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() { c.RequestWritableAll("tick") })
	}
	wg.Wait()
	for _, wc := range clients {
		if _, b, err := wc.Read(dctx); err != nil || string(b) != "tick" {
			t.Fatalf("read %q, %v", b, err)
		}
	}

	cancel() // shutdown: every peer must get 1001
	for _, wc := range clients {
		for {
			_, _, err := wc.Read(dctx)
			if err != nil {
				if websocket.CloseStatus(err) != websocket.StatusGoingAway {
					t.Fatalf("want close 1001, got %v", err)
				}
				break
			}
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if destroyed.Load() != 1 {
		t.Fatalf("Destroy ran %d times", destroyed.Load())
	}
	if v.Protocol("tick").Len() != 0 {
		t.Fatal("connections left after Run returned")
	}
	if _, err := net.Dial("tcp", v.Addr().String()); err == nil {
		t.Fatal("listener still open after Run returned")
	}
}

func TestWakeIsSerializedAndCoalesced(t *testing.T) {
	var inside, overlaps, calls atomic.Int32
	woke := make(chan struct{}, 100)
	wake := func(*lws.VhostProtocol) {
		if inside.Add(1) != 1 {
			overlaps.Add(1)
		}
		calls.Add(1)
		inside.Add(-1)
		select {
		case woke <- struct{}{}:
		default: // more rounds than the buffer holds must not block Run
		}
	}
	a, b := namedProtocol("a"), namedProtocol("b")
	a.Wake, b.Wake = wake, wake
	c := lws.New(lwstest.Quiet())
	for _, name := range []string{"one", "two"} {
		if _, err := c.NewVhost(lws.VhostOptions{Name: name, Protocols: []*lws.Protocol{a, b}}); err != nil {
			t.Fatal(err)
		}
	}
	lwstest.Run(t, c)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(c.Wake)
	}
	wg.Wait()
	for range 4 { // two vhosts × two protocols, at least one round
		<-woke
	}
	if overlaps.Load() != 0 {
		t.Fatal("wake callbacks overlapped")
	}
	if n := calls.Load(); n%4 != 0 && n > 400 {
		t.Fatalf("%d wake calls", n)
	}
}

func TestNewVhostErrors(t *testing.T) {
	c := lws.New(lwstest.Quiet())
	p := namedProtocol("p")
	tests := []struct {
		name string
		o    lws.VhostOptions
	}{
		{"protocol without session", lws.VhostOptions{Protocols: []*lws.Protocol{{Name: "x"}}}},
		{"duplicate protocol", lws.VhostOptions{Protocols: []*lws.Protocol{p, p}}},
		{"options for missing protocol", lws.VhostOptions{Protocols: []*lws.Protocol{p},
			ProtocolOptions: map[string]map[string]string{"q": {}}}},
		{"bad listen address", lws.VhostOptions{Listen: "256.0.0.1:99999"}},
		{"TLS without a listener", lws.VhostOptions{TLS: &lws.TLSOptions{}}},
		{"listener options without a listener", lws.VhostOptions{Listener: &listen.Options{H2C: true}}},
		{"failing init", lws.VhostOptions{Protocols: []*lws.Protocol{{Name: "f",
			NewSession: p.NewSession, Init: func(*lws.VhostProtocol) error { return errors.New("no") }}}}},
	}
	for _, tt := range tests {
		if _, err := c.NewVhost(tt.o); err == nil {
			t.Errorf("%s: NewVhost succeeded", tt.name)
		}
	}
	_, err := c.NewVhost(lws.VhostOptions{Name: "a", Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewVhost(lws.VhostOptions{Name: "late"}); !errors.Is(err, lws.ErrRunning) {
		t.Fatalf("NewVhost after Run: %v", err)
	}
}

func TestRegisterPanicsOnDuplicate(t *testing.T) {
	name := fmt.Sprintf("test-registry-dup-%d", time.Now().UnixNano()) // -count safe: the registry is global
	p := namedProtocol(name)
	lws.Register(p)
	if lws.Plugin(name) != p {
		t.Fatal("Plugin did not find the registered protocol")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("second Register did not panic")
		}
	}()
	lws.Register(namedProtocol(name))
}

func TestLoggerLevels(t *testing.T) {
	var buf bytes.Buffer
	log := logging.NewLogger(&buf, logging.LevelNotice)
	log.Log(context.Background(), logging.LevelInfo, "hidden")
	log.Log(context.Background(), logging.LevelNotice, "shown")
	log.Error("bad")
	out := buf.String()
	if strings.Contains(out, "hidden") || !strings.Contains(out, "level=NOTICE msg=shown") || !strings.Contains(out, "level=ERR") {
		t.Fatalf("log output:\n%s", out)
	}
	var lv slog.LevelVar
	lv.Set(logging.LevelDebug)
	buf.Reset()
	logging.NewLogger(&buf, &lv).Debug("now shown")
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Fatalf("debug not logged: %s", buf.String())
	}
}
