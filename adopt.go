package lws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/raw"
	"github.com/golws/lws/udp"
)

// ErrNoProtocol is returned when a connection is to be bound to a protocol
// the vhost does not have.
var ErrNoProtocol = errors.New("lws: no such protocol")

// protocolFor returns v's binding of the protocol named name, or an error
// naming the protocols v has.
func (v *Vhost) protocolFor(name string) (*VhostProtocol, error) {
	if vp := v.Protocol(name); vp != nil {
		return vp, nil
	}
	names := make([]string, len(v.protocols))
	for i, vp := range v.protocols {
		names[i] = vp.Protocol.Name
	}
	return nil, fmt.Errorf("%w: vhost %q has no protocol %q (it has: %s)", ErrNoProtocol, v.name, name, strings.Join(names, ", "))
}

// AdoptConn runs nc, a connection the application already has (from a
// listener or a loop of its own), as a raw connection of the named protocol
// (lws_adopt_socket_vhost). Its session gets Established, then each read as
// a Binary chunk, and writes raw bytes. AdoptConn takes ownership of nc: it
// is closed on error, and by Run's shutdown.
func (v *Vhost) AdoptConn(nc net.Conn, protocol string) (*conn.Conn, error) {
	return v.adoptConn(nc, nil, protocol)
}

// adoptConn adopts nc with first, the bytes a sniffer already read.
func (v *Vhost) adoptConn(nc net.Conn, first []byte, protocol string) (*conn.Conn, error) {
	vp, err := v.protocolFor(protocol)
	if err != nil {
		nc.Close()
		return nil, err
	}
	info := &conn.Info{}
	if a := nc.RemoteAddr(); a != nil {
		info.RemoteAddr = a.String()
	}
	s := raw.NewSocket(nc, first)
	s.SetIdleTimeout(vp.Protocol.RawIdleTimeout)
	return vp.Adopt(s, info)
}

// AdoptFile runs f — a FIFO, a pipe, a character device — as a connection
// of the named protocol (lws's RAW_ADOPT_FILE family): each read is a Binary
// chunk, writes go to the file. See raw.File for which files a close
// interrupts, and raw.OpenFIFO to open a FIFO. AdoptFile takes ownership of
// f: it is closed on error, and by Run's shutdown.
func (v *Vhost) AdoptFile(f *os.File, protocol string) (*conn.Conn, error) {
	vp, err := v.protocolFor(protocol)
	if err != nil {
		f.Close()
		return nil, err
	}
	return vp.Adopt(raw.NewFile(f), nil)
}

// AdoptUDP runs pc as a UDP connection of the named protocol (lws's
// lws_create_adopt_udp with a socket of one's own): each datagram is a chunk
// whose Addr is its sender, and the session replies with conn.Conn.WriteTo.
// AdoptUDP takes ownership of pc: it is closed on error, and by Run's
// shutdown.
func (v *Vhost) AdoptUDP(pc net.PacketConn, protocol string) (*conn.Conn, error) {
	vp, err := v.protocolFor(protocol)
	if err != nil {
		pc.Close()
		return nil, err
	}
	info := &conn.Info{}
	if a := pc.LocalAddr(); a != nil {
		info.Host = a.String()
	}
	return vp.Adopt(udp.New(pc), info)
}

// ListenUDP opens a UDP socket bound to addr ("127.0.0.1:0" for any port)
// and adopts it into the named protocol (lws_create_adopt_udp with
// LWS_CAUDP_BIND). The connection's Info().Host is the bound address.
func (v *Vhost) ListenUDP(addr, protocol string) (*conn.Conn, error) {
	if _, err := v.protocolFor(protocol); err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("lws: vhost %q: %w", v.name, err)
	}
	return v.AdoptUDP(pc, protocol)
}

// AdoptListener accepts connections from ln, a listener the application
// made, and adopts each as a raw connection of the named protocol, until
// Run ends (when called before Run, accepting starts with Run). It takes
// ownership of ln and closes it when Run shuts down, on a permanent accept
// error (logged), or at once if the protocol is unknown or Run has ended.
// Its connections are the application's: Options.MaxConns and
// MaxConnsPerIP count only the Server's own listeners.
func (v *Vhost) AdoptListener(ln net.Listener, protocol string) error {
	if _, err := v.protocolFor(protocol); err != nil {
		ln.Close()
		return err
	}
	err := v.srv.tasks.Go(func(ctx context.Context) { v.acceptRaw(ctx, ln, protocol) })
	if err != nil {
		ln.Close()
	}
	return err
}

// acceptRaw is the accept loop of an adopted listener.
func (v *Vhost) acceptRaw(ctx context.Context, ln net.Listener, protocol string) {
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !temporary(err) {
				v.Logger().Error("adopted listener failed", "addr", ln.Addr().String(), "err", err)
				return
			}
			// Out of descriptors and the like: wait a little, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		backoff = 0
		if _, err := v.AdoptConn(nc, protocol); err != nil {
			v.Logger().Info("raw connection refused", "peer", nc.RemoteAddr().String(), "err", err)
		}
	}
}

// temporary reports accept errors worth retrying.
func temporary(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
