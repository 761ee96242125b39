//go:build !linux

package conn

import "syscall"

// unread cannot ask this system's kernel: -1.
func unread(syscall.RawConn) int { return -1 }

// sendRoom cannot ask this system's kernel: -1.
func sendRoom(syscall.RawConn) int { return -1 }
