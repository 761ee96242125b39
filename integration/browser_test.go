package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromium = "/usr/bin/chromium"

// browser starts headless Chromium with a fresh profile, and extra flags
// if given, and returns a tab.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is missing (.ci/run installs it): %v", err)
		}
		t.Skip("chromium not installed: apt-get install chromium")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	opts = append(opts, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return tab
}

// eval evaluates a JavaScript expression in tab.
func eval[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// until polls a JavaScript condition in tab until it is true or 15 s pass.
func until(t *testing.T, tab context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !eval[bool](t, tab, expr) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s)", what, expr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// counter reads the dumb-increment number the page shows.
func counter(t *testing.T, tab context.Context) int {
	n, err := strconv.Atoi(eval[string](t, tab, `document.getElementById("number").textContent`))
	if err != nil {
		return -1
	}
	return n
}

func TestBrowserTestServerPage(t *testing.T) {
	// A fixed port, so the page can find the server again after a restart.
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	url, stop := exampleAt(t, "test-server", addr)
	page1 := browser(t)
	page2, cancel2 := chromedp.NewContext(page1) // a second tab, same browser
	defer cancel2()
	for _, tab := range []context.Context{page1, page2} {
		if err := chromedp.Do(tab, chromedp.Navigate(url+"/")); err != nil {
			t.Fatal(err)
		}
		until(t, tab, "all connections open", `document.body.dataset.connected === "yes"`)
	}

	// The counter advances in real time.
	first := counter(t, page1)
	until(t, page1, "the counter to advance", fmt.Sprintf(`+document.getElementById("number").textContent > %d + 3`, first))

	// A stroke drawn in one page appears in the other.
	if _, err := chromedp.Run(page1, chromedp.Evaluate[any](`sendStroke(10, 20, 200, 120)`)); err != nil {
		t.Fatal(err)
	}
	until(t, page2, "the stroke in the second page", `window.strokes.some((s) => s.endsWith("10 20 200 120"))`)

	// The status table lists the connections of both pages.
	until(t, page1, "the status table", `document.querySelectorAll("#conns tr").length >= 8`)

	shot(t, page1, "test-server.png")

	// The page greys out while the server is down and recovers when it returns.
	stop()
	until(t, page1, "the page to notice the server is gone", `document.body.dataset.connected === "no"`)
	greyed(t, page1, true)
	shot(t, page1, "test-server-down.png")
	exampleAt(t, "test-server", addr)
	until(t, page1, "the page to reconnect", `document.body.dataset.connected === "yes"`)
	greyed(t, page1, false)
	restarted := counter(t, page1)
	until(t, page1, "the counter to run again", fmt.Sprintf(`+document.getElementById("number").textContent > %d`, restarted))
}

// greyed checks whether lws-common.js has dimmed the page.
func greyed(t *testing.T, tab context.Context, want bool) {
	t.Helper()
	until(t, tab, fmt.Sprintf("grey-out %v", want), fmt.Sprintf(
		`(() => { const d = document.getElementById("lws-gray-out");
		  const on = !!d && getComputedStyle(d).display !== "none";
		  return on === %v; })()`, want))
}

// shot saves a screenshot of tab under integration/artifacts.
func shot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := "artifacts"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}
