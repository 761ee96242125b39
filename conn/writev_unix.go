//go:build unix

package conn

import (
	"syscall"
	"unsafe"
)

// maxIovecs bounds the buffers one writev takes; more are sent by a later
// write.
const maxIovecs = 8

// writev writes bufs to fd with one system call and returns how much was
// written.
func writev(fd uintptr, bufs [][]byte) (int, error) {
	var iov [maxIovecs]syscall.Iovec
	k := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		if k == maxIovecs {
			break
		}
		iov[k].Base = &b[0]
		iov[k].SetLen(len(b))
		k++
	}
	if k == 0 {
		return 0, nil
	}
	n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
