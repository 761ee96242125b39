package conn

import (
	"syscall"
	"unsafe"
)

// unread asks the kernel how many received bytes wait unread on rc's
// socket (FIONREAD); -1 when it cannot tell.
func unread(rc syscall.RawConn) int { return ioctlInt(rc, syscall.TIOCINQ) }

// sendRoom is how many more bytes rc's socket takes without blocking: its
// send buffer (as the kernel counts payload, half of SO_SNDBUF) less what
// is queued and unacknowledged (SIOCOUTQ); -1 when it cannot tell.
func sendRoom(rc syscall.RawConn) int {
	queued := ioctlInt(rc, syscall.TIOCOUTQ)
	if queued < 0 {
		return -1
	}
	size := -1
	_ = rc.Control(func(fd uintptr) {
		if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF); err == nil {
			size = v / 2
		}
	})
	if size < 0 {
		return -1
	}
	return max(size-queued, 0)
}

func ioctlInt(rc syscall.RawConn, req uintptr) int {
	if rc == nil {
		return -1
	}
	n := -1
	_ = rc.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n
}
