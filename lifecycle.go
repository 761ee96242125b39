package lws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/golws/lws/logging"
)

// Start begins serving in the background: every listener the vhosts
// opened, Wake delivery, listeners given to AdoptListener and raw dials
// (DialRaw). It returns at once. Vhosts are made before Start. A program
// that mounts Handler or a Vhost into an http.Server of its own calls Start
// once its vhosts exist, and Close when it is done; Run does both.
func (c *Server) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrStopped
	}
	if c.running {
		return ErrRunning
	}
	c.running, c.started = true, true
	ctx, cancel := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(ctx)
	c.cancel, c.group, c.failed = cancel, g, gctx.Done()
	for _, l := range c.listeners {
		l.srv = l.server(c)
		ln := c.wrap(l)
		c.log.Log(ctx, logging.LevelNotice, "listening", "addr", l.ln.Addr().String(), "vhosts", vhostNames(l.hosts))
		g.Go(func() error {
			if err := l.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("lws: serving %s: %w", l.ln.Addr(), err)
			}
			return nil
		})
	}
	c.tasks.start(gctx)
	g.Go(func() error { return c.deliverWakes(gctx) })
	return nil
}

// Close ends the Server, started or not: its listeners close, WebSocket
// peers get close 1001, raw and UDP connections, adopted listeners and
// pending raw dials and client attempts end, and Close waits (up to the
// shutdown timeout, past which the connections left are cut off) for every
// connection's goroutines, then runs each protocol's Destroy. It returns
// the error that stopped a listener, if one did; later calls return the
// same. A closed Server cannot start again.
func (c *Server) Close() error {
	c.closing.Do(func() {
		c.mu.Lock()
		started := c.started
		c.running, c.closed = true, true // nothing more may be added
		listeners := append([]*listener(nil), c.listeners...)
		c.mu.Unlock()
		if started {
			c.cancel()
			c.shutdown(listeners)
			c.closeErr = c.group.Wait()
		} else {
			for _, l := range listeners {
				l.ln.Close()
			}
			c.shutdown(nil)
		}
		c.tasks.stop()
		c.destroy()
	})
	return c.closeErr
}

// Run serves every listener until ctx ends or one fails, then closes the
// Server (see Close). It returns nil after a shutdown caused by ctx, or the
// error that stopped a listener.
func (c *Server) Run(ctx context.Context) error {
	if err := c.Start(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-c.failed:
	}
	return c.Close()
}

// shutdown closes the listeners and every connection, bounded by the
// shutdown timeout.
func (c *Server) shutdown(listeners []*listener) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.ShutdownTimeout)
	defer cancel()
	c.log.Log(ctx, logging.LevelNotice, "shutting down")
	var wg sync.WaitGroup
	for _, l := range listeners {
		wg.Go(func() {
			if err := l.srv.Shutdown(ctx); err != nil {
				l.srv.Close()
			}
		})
	}
	if err := c.endConnections(ctx); err != nil {
		c.log.Warn("connections did not end in time: cutting them off", "err", err)
		// Close must not return (nor run Destroy) while connections live.
		c.abortAll()
		actx, acancel := context.WithTimeout(context.Background(), c.opts.ShutdownTimeout)
		defer acancel()
		if err := c.endConnections(actx); err != nil {
			c.log.Error("connections did not end after being cut off", "err", err)
		}
	}
	wg.Wait() // the listeners' HTTP requests too, before the companions end
	wctx, wcancel := context.WithTimeout(context.Background(), c.opts.ShutdownTimeout)
	defer wcancel()
	if err := c.waitCompanions(wctx); err != nil {
		c.log.Error("companions did not end", "err", err)
	}
}
