package listen

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMaxRequestsPerIPWaits holds reqPerIP requests of 127.0.0.1
// in the handler and checks that the others wait (not refused) and are all
// served, never more than the limit at once, while another IP passes.
func TestMaxRequestsPerIPWaits(t *testing.T) {
	const limit, n = 2, 6
	var inside, most atomic.Int32
	gate := make(chan struct{})
	lim := NewLimits(-1, 0, limit)
	srv := httptest.NewServer(lim.Requests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/free" {
			return
		}
		in := inside.Add(1)
		for {
			m := most.Load()
			if in <= m || most.CompareAndSwap(m, in) {
				break
			}
		}
		<-gate
		inside.Add(-1)
	})))
	defer srv.Close()
	client := func(ip net.IP) *http.Client {
		tr := &http.Transport{DisableKeepAlives: true, DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	local := client(net.IPv4(127, 0, 0, 1))
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Go(func() {
			resp, err := local.Get(srv.URL)
			if err != nil {
				codes <- -1
				return
			}
			resp.Body.Close()
			codes <- resp.StatusCode
		})
	}
	waitFor(t, "the other requests to wait", func() bool {
		lim.mu.Lock()
		defer lim.mu.Unlock()
		r := lim.reqs["127.0.0.1"]
		return r != nil && r.waiting == n-limit
	})
	if got := inside.Load(); got != limit {
		t.Fatalf("%d requests inside, want %d", got, limit)
	}
	resp, err := client(net.IPv4(127, 0, 0, 2)).Get(srv.URL + "/free")
	if err != nil {
		t.Fatalf("another IP waited: %v", err)
	}
	resp.Body.Close()
	close(gate)
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != 200 {
			t.Errorf("a request got %d", code)
		}
	}
	if m := most.Load(); m != limit {
		t.Errorf("%d requests at once, want %d", m, limit)
	}
	lim.mu.Lock()
	left := len(lim.reqs)
	lim.mu.Unlock()
	if left != 0 {
		t.Errorf("%d per-IP entries left after all requests", left)
	}
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}
