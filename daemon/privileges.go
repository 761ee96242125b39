package daemon

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// Credentials are the user and group a server drops to, as lwsws's global
// "uid", "gid", "username" and "groupname" name them. Names win over
// numbers, as in lws; zero fields change nothing.
type Credentials struct {
	UID, GID            int
	Username, Groupname string
}

// Resolve returns the numeric ids c names: a Username's uid (and, when no
// group is named, that user's primary group), a Groupname's gid. -1 means
// "leave as it is".
func (c Credentials) Resolve() (uid, gid int, err error) {
	uid, gid = -1, -1
	if c.UID > 0 {
		uid = c.UID
	}
	if c.GID > 0 {
		gid = c.GID
	}
	if c.Groupname != "" {
		g, err := user.LookupGroup(c.Groupname)
		if err != nil {
			return 0, 0, fmt.Errorf("daemon: unknown group %q: %w", c.Groupname, err)
		}
		gid, _ = strconv.Atoi(g.Gid)
	}
	if c.Username != "" {
		u, err := user.Lookup(c.Username)
		if err != nil {
			return 0, 0, fmt.Errorf("daemon: unknown user %q: %w", c.Username, err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		if gid < 0 && c.GID <= 0 {
			gid, _ = strconv.Atoi(u.Gid)
		}
	}
	return uid, gid, nil
}

// IsZero reports whether c names no user and no group.
func (c Credentials) IsZero() bool { return c == Credentials{} }

// ErrNotRoot is wrapped by DropPrivileges' error when the process may not
// change its ids.
var ErrNotRoot = errors.New("daemon: changing user or group needs root")

// DropPrivileges makes the process run as uid and gid, as lws's
// lws_plat_drop_app_privileges does once its listeners are bound: the
// group first (setgid, and the supplementary groups of the user of uid, or
// none), then the user (setuid). On Linux these calls apply to every
// thread of the process. -1 leaves an id as it is; dropping to the ids the
// process already has is a no-op. Call it after every privileged
// resource (a port below 1024, a root-owned file) is open.
func DropPrivileges(uid, gid int) error {
	if uid < 0 && gid < 0 {
		return nil
	}
	if (uid < 0 || uid == syscall.Getuid()) && (gid < 0 || gid == syscall.Getgid()) {
		return nil
	}
	if syscall.Geteuid() != 0 {
		return fmt.Errorf("%w (running as uid %d)", ErrNotRoot, syscall.Geteuid())
	}
	if gid >= 0 {
		groups := []int{gid}
		if uid >= 0 {
			if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
				if ids, err := u.GroupIds(); err == nil {
					for _, s := range ids {
						if g, err := strconv.Atoi(s); err == nil && g != gid {
							groups = append(groups, g)
						}
					}
				}
			}
		}
		if err := syscall.Setgroups(groups); err != nil {
			return fmt.Errorf("daemon: setgroups: %w", err)
		}
		if err := syscall.Setgid(gid); err != nil {
			return fmt.Errorf("daemon: setgid %d: %w", gid, err)
		}
	} else if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("daemon: setgroups: %w", err)
	}
	if uid >= 0 {
		if err := syscall.Setuid(uid); err != nil {
			return fmt.Errorf("daemon: setuid %d: %w", uid, err)
		}
	}
	return nil
}
