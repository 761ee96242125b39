package conn

import (
	"syscall"
	"unsafe"
)

// unread asks the kernel how many received bytes wait unread on rc's
// socket (FIONREAD); -1 when it cannot tell.
func unread(rc syscall.RawConn) int {
	if rc == nil {
		return -1
	}
	n := -1
	_ = rc.Control(func(fd uintptr) {
		var v int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&v))); errno == 0 {
			n = int(v)
		}
	})
	return n
}
