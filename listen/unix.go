package listen

import (
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// UnixPrefix starts a listening address that is a unix domain socket path ("unix:/run/lws.sock"; "unix:@name" for Linux's abstract
// namespace), lws's LWS_SERVER_OPTION_UNIX_SOCK.
const UnixPrefix = "unix:"

// IsUnix reports whether addr names a unix domain socket.
func IsUnix(addr string) bool { return strings.HasPrefix(addr, UnixPrefix) }

// Unix opens the unix socket of addr: a stale socket file left by an
// earlier run is removed first, the new one gets mode 0600, as lws makes
// it, and, if owner ("user:group", lws's unix_socket_perms) is given, that
// owner.
func Unix(addr, owner string) (net.Listener, error) {
	path := strings.TrimPrefix(addr, UnixPrefix)
	if path == "" {
		return nil, fmt.Errorf("unix socket address %q has no path", addr)
	}
	abstract := strings.HasPrefix(path, "@")
	if !abstract {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(path) // a previous run's socket
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, &Error{Addr: addr, Err: err}
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(!abstract)
	}
	if abstract {
		return ln, nil
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
	}
	if owner != "" {
		uid, gid, err := lookupOwner(owner)
		if err == nil {
			err = os.Chown(path, uid, gid)
		}
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("unix socket %s: owner %q: %w", path, owner, err)
		}
	}
	return ln, nil
}

// lookupOwner resolves "user:group" (names or numbers) to ids.
func lookupOwner(owner string) (uid, gid int, err error) {
	un, gn, ok := strings.Cut(owner, ":")
	if !ok || un == "" || gn == "" {
		return 0, 0, fmt.Errorf("want user:group")
	}
	if uid, err = strconv.Atoi(un); err != nil {
		u, err := user.Lookup(un)
		if err != nil {
			return 0, 0, err
		}
		uid, _ = strconv.Atoi(u.Uid)
	}
	if gid, err = strconv.Atoi(gn); err != nil {
		g, err := user.LookupGroup(gn)
		if err != nil {
			return 0, 0, err
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	return uid, gid, nil
}
