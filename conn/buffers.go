package conn

import (
	"math/bits"
	"sync"
)

// Receive buffers are pooled by power-of-two size class so that idle
// connections hold none: a connection takes one when a message starts and
// gives it back when the message is delivered. Sizes past the largest class
// are not pooled.
var bufPools [33]sync.Pool

func sizeClass(n int) int {
	if n <= 1 {
		return 0
	}
	return bits.Len(uint(n - 1))
}

func getBuffer(n int) *[]byte {
	class := sizeClass(n)
	if class >= len(bufPools) {
		b := make([]byte, n)
		return &b
	}
	if b, ok := bufPools[class].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<class)
	return &b
}

func putBuffer(b *[]byte) {
	c := cap(*b)
	if class := sizeClass(c); class < len(bufPools) && c == 1<<class {
		bufPools[class].Put(b)
	}
}
