package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/fops"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/metrics"
	"github.com/golws/lws/mux"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echo sends every message back.
type echo struct {
	conn.NopSession
	buf     []byte
	typ     conn.MessageType
	final   bool
	pending bool
}

func (s *echo) Receive(c *conn.Conn, in conn.Chunk) error {
	s.buf = append(s.buf[:0], in.Data...)
	s.typ, s.final, s.pending = in.Type, in.Final, true
	c.SetRx(false)
	c.RequestWritable()
	return nil
}

func (s *echo) Writeable(c *conn.Conn) error {
	if !s.pending {
		return nil
	}
	s.pending = false
	c.SetRx(true)
	return c.WriteFragment(s.typ, s.buf, s.final)
}

// serve starts a Server instrumented by a new Metrics, with the echo
// protocol, a file mount at / and the metrics at /metrics.
func serve(t *testing.T) *lws.Vhost {
	t.Helper()
	m := metrics.New(prometheus.NewRegistry())
	opts := lwstest.Quiet()
	opts.Observer = m.Observer()
	c := lws.New(opts)
	files := fops.FromFS(fstest.MapFS{"index.html": {Data: []byte("<p>hello</p>")}})
	v, err := c.NewVhost(lws.VhostOptions{
		Name:   "localhost",
		Listen: "127.0.0.1:0",
		Protocols: []*lws.Protocol{{
			Name:       "echo",
			NewSession: func(*lws.VhostProtocol, *conn.Conn) conn.Session { return new(echo) },
		}},
		Mounts: []mux.Mount{
			mux.FileMount("/", files, nil),
			{Path: "/metrics", Handler: m.Handler()},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lwstest.Run(t, c)
	return v
}

// scrape reads the metrics with Prometheus's text parser.
func scrape(t *testing.T, v *lws.Vhost) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(v.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// value is the value of the sample of family name whose labels include
// labels (name=value pairs), summed over matching samples; 0 if none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
	var sum float64
	for _, m := range f.GetMetric() {
		if !hasLabels(m, labels) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, l := range m.GetLabel() {
			if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func TestMetricsFollowConnections(t *testing.T) {
	v := serve(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws := "ws" + strings.TrimPrefix(v.URL(), "http") + "/"

	var clients []*websocket.Conn
	for range 3 {
		c, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: []string{"echo"}})
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
		for _, msg := range []string{"hello", "world"} {
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
				t.Fatalf("echo: %q, %v; want %q", got, err, msg)
			}
		}
	}
	if s := get(t, v.URL()+"/index.html"); s != http.StatusOK {
		t.Fatalf("GET /index.html: %d", s)
	}
	if s := get(t, v.URL()+"/missing.html"); s != http.StatusNotFound {
		t.Fatalf("GET /missing.html: %d", s)
	}
	// An upgrade naming a protocol the vhost does not speak is refused.
	if _, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{Subprotocols: []string{"nope"}}); err == nil {
		t.Fatal("upgrade to an unknown protocol succeeded")
	}

	conns := []string{"vhost", "localhost", "protocol", "echo"}
	wants := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"lws_connections_open", conns, 3},
		{"lws_connections_accepted_total", conns, 3},
		{"lws_received_messages_total", conns, 6},
		{"lws_sent_messages_total", conns, 6},
		{"lws_received_bytes_total", conns, 30},
		{"lws_sent_bytes_total", conns, 30},
		{"lws_http_responses_total", []string{"vhost", "localhost", "mount", "/", "code", "200"}, 1},
		{"lws_http_responses_total", []string{"vhost", "localhost", "mount", "/", "code", "404"}, 1},
		{"lws_http_request_duration_seconds", []string{"vhost", "localhost", "mount", "/"}, 2},
		{"lws_websocket_handshake_failures_total", []string{"vhost", "localhost", "reason", mux.UpgradeNoProtocol}, 1},
	}
	// The server records after it has answered (the client may see an
	// echo or a response first): scrape until every value is there.
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(5 * time.Second); ; {
		fams = scrape(t, v)
		var wrong []string
		for _, c := range wants {
			if got := value(fams, c.name, c.labels...); got != c.want {
				wrong = append(wrong, fmt.Sprintf("%s%v = %v, want %v", c.name, c.labels, got, c.want))
			}
		}
		if len(wrong) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, w := range wrong {
				t.Error(w)
			}
			break
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
	// Each echo turned rx off until its answer went out.
	if got := value(fams, "lws_rx_off_seconds", conns...); got < 6 {
		t.Errorf("lws_rx_off_seconds count = %v, want at least 6", got)
	}

	for _, c := range clients {
		if err := c.Close(websocket.StatusNormalClosure, "bye"); err != nil {
			t.Errorf("close: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fams = scrape(t, v)
		open := value(fams, "lws_connections_open", conns...)
		closed := value(fams, "lws_connections_closed_total", "vhost", "localhost", "protocol", "echo", "code", "1000")
		if open == 0 && closed == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after closing: open = %v, closed with 1000 = %v; want 0 and 3", open, closed)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The scrapes themselves are counted, under their mount, once served
	// (so a scrape sees those before it).
	if got := value(fams, "lws_http_responses_total", "mount", "/metrics", "code", "200"); got < 1 {
		t.Errorf("scrapes counted: %v, want at least 1", got)
	}
}

// Metrics on a registerer shared with other collectors, and a vhost of its
// own observer, leave the Server's other vhosts alone.
func TestVhostObserver(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	v := lwstest.Serve(t, lws.VhostOptions{
		Name:     "one",
		Observer: m,
		HTTP:     http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }),
	})
	if s := get(t, v.URL()+"/x"); s != http.StatusTeapot {
		t.Fatalf("status %d", s)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	if got := value(byName, "lws_http_responses_total", "vhost", "one", "mount", "", "code", "418"); got != 1 {
		t.Errorf("418 responses = %v, want 1", got)
	}
}
