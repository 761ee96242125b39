//go:build !unix

package conn

import "syscall"

// writev has no non-blocking form here: nothing is written at once and
// Flush sends it all.
func writev(uintptr, [][]byte) (int, error) { return 0, syscall.EAGAIN }

// readNonblock reads p from fd.
func readNonblock(fd uintptr, p []byte) (int, error) { return syscall.Read(syscallFd(fd), p) }
