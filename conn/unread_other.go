//go:build !linux

package conn

import "syscall"

// unread cannot ask this system's kernel: -1.
func unread(syscall.RawConn) int { return -1 }
