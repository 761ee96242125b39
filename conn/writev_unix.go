//go:build unix

package conn

import (
	"syscall"
	"unsafe"
)

// rawSyscallMax is the largest write made as a raw system call.
const rawSyscallMax = 64 << 10

// maxIovecs bounds the buffers one writev takes; more are sent by a later
// write.
const maxIovecs = 8

// writev writes bufs to fd with one system call and returns how much was
// written.
func writev(fd uintptr, bufs [][]byte) (int, error) {
	var iov [maxIovecs]syscall.Iovec
	k, total := 0, 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		total += len(b)
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
	// The socket is non-blocking, so the call cannot wait: a raw system
	// call spares the scheduler's bookkeeping (and, on a single P, the
	// monitor taking the P away) unless the copy is large.
	call := syscall.RawSyscall
	if total > rawSyscallMax {
		call = syscall.Syscall
	}
	n, _, errno := call(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// rawReads says whether sockets are read with readNonblock.
const rawReads = true

// readNonblock reads from a non-blocking descriptor as a raw system call
// (see writev).
func readNonblock(fd uintptr, p []byte) (int, error) {
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
