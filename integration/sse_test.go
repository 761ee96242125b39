package integration

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSSECurl reads the event stream of http-server-sse with curl -N until
// the server ends it after -max events.
func TestSSECurl(t *testing.T) {
	requireCurl(t)
	url := example(t, "http-server-sse", "-interval", "50ms", "-max", "3")
	h, body := curl(t, "-N", "-H", "Accept: text/event-stream", url+"/events")
	if status(h) != "200" || header(h, "Content-Type") != "text/event-stream" || header(h, "Cache-Control") != "no-cache" {
		t.Fatalf("headers:\n%s", h)
	}
	var ids []string
	for line := range strings.SplitSeq(string(body), "\n") {
		if id, ok := strings.CutPrefix(line, "id: "); ok {
			ids = append(ids, id)
		}
	}
	if strings.Join(ids, ",") != "1,2,3" {
		t.Fatalf("ids %v, want 1,2,3; body:\n%s", ids, body)
	}
}

// TestSSEBrowserReconnects checks that Chromium's EventSource, on a server
// that ends each response after 3 events, reconnects with Last-Event-ID and
// carries on: the page lists ids 1, 2, 3, ... without a gap or a repeat.
func TestSSEBrowserReconnects(t *testing.T) {
	url := example(t, "http-server-sse", "-interval", "100ms", "-max", "3", "-retry", "100ms")
	tab := browser(t)
	if err := chromedp.Do(tab, chromedp.Navigate(url+"/")); err != nil {
		t.Fatal(err)
	}
	const ids = `[...document.querySelectorAll("#ids li")].map((li) => li.textContent)`
	until(t, tab, "six events over two responses", ids+`.length >= 6`)
	got := eval[[]string](t, tab, ids)
	for i, id := range got {
		if id != fmt.Sprint(i+1) {
			t.Fatalf("the page lists ids %v, want 1, 2, 3, ...", got)
		}
	}
	shot(t, tab, "http-server-sse.png")
}
