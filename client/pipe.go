package client

import (
	"context"
	"net/http"
	"sync"
)

// pipeKey names the requests that queue behind each other: one host, over
// one shared transport.
type pipeKey struct {
	scheme, host string
	transport    transportKey
}

// pipeline queues a host's pipelined requests (lws's LCCSCF_PIPELINE) until
// the host is known: one request at a time holds the token; once a response
// shows that the host multiplexes (HTTP/2) or does not keep connections
// alive, queueing ends for good and every request goes at once.
type pipeline struct {
	token chan struct{} // capacity 1: the right to send
	open  chan struct{} // closed when queueing is over
	once  sync.Once
}

func newPipeline() *pipeline {
	return &pipeline{token: make(chan struct{}, 1), open: make(chan struct{})}
}

// acquire waits for the request's turn. It reports whether the caller holds
// the token (and must release it), or fails when ctx ends first.
func (p *pipeline) acquire(ctx context.Context) (bool, error) {
	select {
	case <-p.open:
		return false, nil
	case p.token <- struct{}{}:
		select {
		case <-p.open: // opened while we waited: no need to hold it
			p.release()
			return false, nil
		default:
			return true, nil
		}
	case <-ctx.Done():
		return false, context.Cause(ctx)
	}
}

// release gives the token back.
func (p *pipeline) release() { <-p.token }

// learn looks at a response of the host and reports whether the request
// must keep the token until its body has been read (HTTP/1.1 keep-alive).
func (p *pipeline) learn(resp *http.Response) (keep bool) {
	if resp.ProtoMajor >= 2 || resp.Close {
		p.once.Do(func() { close(p.open) })
		return false
	}
	return true
}

// pipeline returns the queue of requests to k.
func (cs *clients) pipeline(k pipeKey) *pipeline {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	p := cs.pipes[k]
	if p == nil {
		p = newPipeline()
		cs.pipes[k] = p
	}
	return p
}
