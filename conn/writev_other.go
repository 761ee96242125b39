//go:build !unix

package conn

import "syscall"

// writev has no non-blocking form here: nothing is written at once and
// Flush sends it all.
func writev(uintptr, [][]byte) (int, error) { return 0, syscall.EAGAIN }

// rawReads says whether sockets are read with readNonblock: not here.
const rawReads = false

// readNonblock is not used here (rawReads).
func readNonblock(uintptr, []byte) (int, error) { return 0, syscall.EINVAL }
