package client

import (
	"context"
	"net/http"
	"sync"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
)

// clients tracks a vhost's pending attempts and the HTTP transports its
// requests share: the vhost's lws.Companion, so that the Server's shutdown
// cancels the attempts and waits for them. The zero value is ready to use.
type clients struct {
	mu         sync.Mutex
	pending    map[*Client]struct{}
	shut       bool
	wg         sync.WaitGroup
	transports map[transportKey]*http.Transport
	pipes      map[pipeKey]*pipeline
	closing    context.Context // ends at shutdown: cuts dials in progress
	closeAll   context.CancelFunc
	h2lack     map[h2Key]h2Lack // hosts found without HTTP/2 (h2ws.go), under mu

	h2mu    sync.Mutex             // one HTTP/2 dial at a time (h2ws.go)
	h2conns map[h2Key]*conn.H2Conn // shared HTTP/2 connections, under h2mu
}

func (cs *clients) init() {
	if cs.closing == nil {
		cs.closing, cs.closeAll = context.WithCancel(context.Background())
		cs.pending = map[*Client]struct{}{}
		cs.transports = map[transportKey]*http.Transport{}
		cs.pipes = map[pipeKey]*pipeline{}
	}
}

func (cs *clients) add(h *Client) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.init()
	if cs.shut {
		return false
	}
	cs.pending[h] = struct{}{}
	cs.wg.Add(1)
	return true
}

func (cs *clients) remove(h *Client) {
	cs.mu.Lock()
	delete(cs.pending, h)
	cs.mu.Unlock()
	cs.wg.Done()
}

// Stop refuses new attempts and cancels the pending ones.
func (cs *clients) Stop() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.init()
	cs.shut = true
	cs.closeAll()
	for h := range cs.pending {
		h.cancel(errConnectCanceled)
	}
}

// Wait waits for the pending attempts to end, then closes the idle
// connections of the shared HTTP transports. The Server calls it once
// every client connection has ended.
func (cs *clients) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		cs.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, t := range cs.transports {
		t.CloseIdleConnections()
	}
	return nil
}

// companionKey is the key of a vhost's clients among its companions.
type companionKey struct{}

// clientsOf returns v's clients.
func clientsOf(v *lws.Vhost) *clients {
	return v.Companion(companionKey{}, func() lws.Companion { return new(clients) }).(*clients)
}
