package rawtest

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/golws/lws"
	"github.com/golws/lws/conn"
	"github.com/golws/lws/logging"
	"github.com/golws/lws/raw"
)

// fifo is the per-vhost state (VhostProtocol.State) of a binding with a
// FIFO. Set by Init; read by Destroy, after Run or a failed NewVhost.
type fifo struct {
	path    string
	created bool       // Init made the FIFO: Destroy removes it
	conn    *conn.Conn // the adopted FIFO
}

// openFIFO is the protocol's Init: it opens and adopts the FIFO named by
// the vhost's FIFOPathOption, if any.
func openFIFO(vp *lws.VhostProtocol) error {
	path := vp.Options[FIFOPathOption]
	if path == "" {
		return nil
	}
	f, created, err := raw.OpenFIFO(path, 0o666)
	if err != nil {
		return fmt.Errorf("%s %q: %w", FIFOPathOption, path, err)
	}
	c, err := vp.Vhost.AdoptFile(f, vp.Protocol.Name) // closes f on error
	if err != nil {
		if created {
			os.Remove(path)
		}
		return fmt.Errorf("%s %q: %w", FIFOPathOption, path, err)
	}
	vp.State = &fifo{path: path, created: created, conn: c}
	return nil
}

// closeFIFO is the protocol's Destroy: it ends the FIFO's connection if it
// still runs (NewVhost failed after Init) and removes a FIFO Init created.
func closeFIFO(vp *lws.VhostProtocol) {
	st, ok := vp.State.(*fifo)
	if !ok {
		return
	}
	st.conn.Close(conn.StatusGoingAway, "protocol destroyed")
	<-st.conn.Done() // at most the close grace: the FIFO's reads are pollable
	if st.created {
		if err := os.Remove(st.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			vp.Vhost.Logger().Warn("removing the raw-test FIFO", "path", st.path, "err", err)
		}
	}
}

// fileSession logs what an adopted file (the FIFO) delivers and hands it to
// the hook.
type fileSession struct {
	conn.NopSession
	vp   *lws.VhostProtocol
	hook func(*lws.VhostProtocol, []byte)
}

// Established logs the adoption.
func (s *fileSession) Established(c *conn.Conn) error {
	s.vp.Vhost.Logger().Log(context.Background(), logging.LevelNotice, "raw-test: file adopted",
		"file", c.Transport().(*raw.File).File().Name())
	return nil
}

// Receive logs one read and calls the hook.
func (s *fileSession) Receive(c *conn.Conn, in conn.Chunk) error {
	s.vp.Vhost.Logger().Log(context.Background(), logging.LevelNotice, "raw-test: file rx",
		"len", len(in.Data), "data", string(in.Data))
	if s.hook != nil {
		s.hook(s.vp, in.Data)
	}
	return nil
}

// Closed logs an end that was not asked for.
func (s *fileSession) Closed(c *conn.Conn, err error) {
	var ce *conn.CloseError
	if err != nil && !errors.As(err, &ce) {
		s.vp.Vhost.Logger().Warn("raw-test: file closed", "err", err)
	}
}
