//go:build !linux

package conn

import (
	"errors"
	"syscall"
)

// watch has no watcher on this system: connections do not park.
func watch(syscall.RawConn, func()) (func(), error) { return nil, errors.ErrUnsupported }
