package flow

import (
	"encoding/binary"
	"math"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// maxFuzzSteps bounds the operations one fuzz input runs. Bugs in these small
// state machines show within a few dozen steps; longer inputs only make each
// execution, and the fuzzer's quadratic minimisation, slower.
const maxFuzzSteps = 128

// interesting are values fuzzers should hit often: limits and their neighbours.
var interesting = []int64{
	0, 1, -1, 2, -2,
	math.MaxInt32, math.MaxInt32 - 1, math.MaxInt32 + 1, -math.MaxInt32, -math.MaxInt32 - 1,
	math.MaxInt64, math.MaxInt64 - 1, math.MinInt64, math.MinInt64 + 1,
	math.MaxInt64 / 2, math.MinInt64 / 2,
}

// fuzzInput hands out values decoded from fuzz bytes; once exhausted it
// yields zeros, so every input is a valid program.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) more() bool { return len(in.b) > 0 }

func (in *fuzzInput) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

// int64 is usually small, sometimes a limit, sometimes any 64-bit value.
func (in *fuzzInput) int64() int64 {
	switch in.byte() % 4 {
	case 0, 1:
		return int64(int8(in.byte()))
	case 2:
		return interesting[int(in.byte())%len(interesting)]
	default:
		var raw [8]byte
		n := copy(raw[:], in.b)
		in.b = in.b[n:]
		return int64(binary.LittleEndian.Uint64(raw[:]))
	}
}
