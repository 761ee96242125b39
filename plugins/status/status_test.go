package status_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws"
	"github.com/golws/lws/internal/lwstest"
	"github.com/golws/lws/plugins/echo"
	"github.com/golws/lws/plugins/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReportsLiveConnections(t *testing.T) {
	v := lwstest.Serve(t, lws.VhostOptions{Name: "main", Protocols: []*lws.Protocol{status.Protocol, echo.Protocol}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := lwstest.WS(v)
	e, _, err := websocket.Dial(ctx, url+"/echo-path", &websocket.DialOptions{Subprotocols: []string{echo.Name},
		HTTPHeader: map[string][]string{"User-Agent": {"status-test"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.CloseNow()
	s, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{status.Name}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.CloseNow()
	s.SetReadLimit(-1)

	var r status.Report
	for {
		_, b, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("not a report: %q: %v", b, err)
		}
		if r.Vhosts[0].Protocols[echo.Name] == 1 && r.Vhosts[0].Protocols[status.Name] == 1 {
			break
		}
	}
	if r.Vhosts[0].Name != "main" || r.Vhosts[0].Listen == "" || len(r.Connections) != 2 {
		t.Fatalf("report %+v", r)
	}
	var found bool
	for _, cn := range r.Connections {
		if cn.Protocol == echo.Name {
			found = cn.Path == "/echo-path" && cn.UserAgent == "status-test" && strings.HasPrefix(cn.Peer, "127.0.0.1:")
		}
	}
	if !found {
		t.Fatalf("echo connection not described: %+v", r.Connections)
	}
	// The echo client leaves; a later report says so.
	e.Close(websocket.StatusNormalClosure, "")
	for r.Vhosts[0].Protocols[echo.Name] != 0 {
		_, b, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &r)
	}
}
