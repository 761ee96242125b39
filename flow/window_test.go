package flow

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

func TestWindowZero(t *testing.T) {
	var w Window
	if got := w.Available(); got != 0 {
		t.Fatalf("zero Window Available = %d, want 0", got)
	}
	if err := w.Take(1); !errors.Is(err, ErrWindowExhausted) {
		t.Fatalf("Take(1) on zero Window = %v, want ErrWindowExhausted", err)
	}
	if err := w.Add(math.MaxInt32); err != nil {
		t.Fatalf("Add(MaxInt32) = %v", err)
	}
	if err := w.Add(1); !errors.Is(err, ErrWindowOverflow) {
		t.Fatalf("Add past MaxInt32 = %v, want ErrWindowOverflow", err)
	}
}

func TestWindowOps(t *testing.T) {
	type op struct {
		name  string
		do    func(w *Window) error
		want  error // errors.Is target; errAny means some non-nil error
		avail int64
		cred  int64
	}
	errAny := errors.New("any error")
	take := func(n int64) func(*Window) error { return func(w *Window) error { return w.Take(n) } }
	add := func(n int64) func(*Window) error { return func(w *Window) error { return w.Add(n) } }
	adjust := func(n int64) func(*Window) error { return func(w *Window) error { return w.Adjust(n) } }

	tests := []struct {
		name     string
		n, max   int64
		ops      []op
		clampsTo int64
	}{
		{name: "take and add", n: 10, max: 100, ops: []op{
			{"take 4", take(4), nil, 6, 6},
			{"take 0", take(0), nil, 6, 6},
			{"take all", take(6), nil, 0, 0},
			{"take past", take(1), ErrWindowExhausted, 0, 0},
			{"add 90", add(90), nil, 90, 90},
			{"add to max", add(10), nil, 100, 100},
			{"add past max", add(1), ErrWindowOverflow, 100, 100},
		}},
		{name: "negative arguments", n: 10, max: 100, ops: []op{
			{"take -1", take(-1), errAny, 10, 10},
			{"add -1", add(-1), errAny, 10, 10},
		}},
		{name: "adjust below zero", n: 10, max: 100, ops: []op{
			{"adjust -30", adjust(-30), nil, 0, -20},
			{"take 1 while negative", take(1), ErrWindowExhausted, 0, -20},
			{"take 0 while negative", take(0), nil, 0, -20},
			{"add 25", add(25), nil, 5, 5},
			{"adjust +95", adjust(95), nil, 100, 100},
			{"adjust past max", adjust(1), ErrWindowOverflow, 100, 100},
			{"adjust to -max", adjust(-200), nil, 0, -100},
			{"adjust past -max", adjust(-1), ErrWindowOverflow, 0, -100},
		}},
		{name: "int64 extremes do not wrap", n: 1, max: 0, ops: []op{
			{"add MaxInt64", add(math.MaxInt64), ErrWindowOverflow, 1, 1},
			{"adjust MaxInt64", adjust(math.MaxInt64), ErrWindowOverflow, 1, 1},
			{"adjust -MaxInt32 -1", adjust(-math.MaxInt32 - 1), nil, 0, -math.MaxInt32},
			{"adjust MinInt64", adjust(math.MinInt64), ErrWindowOverflow, 0, -math.MaxInt32},
			{"take MaxInt64", take(math.MaxInt64), ErrWindowExhausted, 0, -math.MaxInt32},
		}},
		{name: "max MaxInt64", n: math.MaxInt64, max: math.MaxInt64, ops: []op{
			{"add 1", add(1), ErrWindowOverflow, math.MaxInt64, math.MaxInt64},
			{"adjust MinInt64", adjust(math.MinInt64), nil, 0, -1},
			{"adjust MinInt64 again", adjust(math.MinInt64), ErrWindowOverflow, 0, -1},
			{"adjust to -MaxInt64", adjust(-math.MaxInt64 + 1), nil, 0, -math.MaxInt64},
			{"add MaxInt64", add(math.MaxInt64), nil, 0, 0},
			{"add MaxInt64 again", add(math.MaxInt64), nil, math.MaxInt64, math.MaxInt64},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWindow(tt.n, tt.max, nil)
			for _, o := range tt.ops {
				err := o.do(&w)
				switch {
				case o.want == nil && err != nil:
					t.Fatalf("%s: unexpected error %v", o.name, err)
				case o.want == errAny && err == nil, o.want != nil && o.want != errAny && !errors.Is(err, o.want):
					t.Fatalf("%s: error %v, want %v", o.name, err, o.want)
				}
				if got := w.Available(); got != o.avail {
					t.Fatalf("%s: Available = %d, want %d", o.name, got, o.avail)
				}
				if got := w.Credit(); got != o.cred {
					t.Fatalf("%s: Credit = %d, want %d", o.name, got, o.cred)
				}
			}
		})
	}
}

func TestNewWindowClampsToMax(t *testing.T) {
	tests := []struct {
		n, max, want int64
	}{
		{n: 5, max: 10, want: 5},
		{n: 50, max: 10, want: 10},
		{n: -50, max: 10, want: -10},
		{n: math.MaxInt64, max: 0, want: math.MaxInt32},
		{n: math.MinInt64, max: 0, want: -math.MaxInt32},
	}
	for _, tt := range tests {
		w := NewWindow(tt.n, tt.max, nil)
		if got := w.Credit(); got != tt.want {
			t.Errorf("NewWindow(%d, %d).Credit() = %d, want %d", tt.n, tt.max, got, tt.want)
		}
	}
}

func TestWindowParent(t *testing.T) {
	conn := NewWindow(100, 0, nil)
	a := NewWindow(70, 0, &conn)
	b := NewWindow(70, 0, &conn)

	if got := a.Available(); got != 70 {
		t.Fatalf("a.Available = %d, want 70 (own credit)", got)
	}
	if err := a.Take(60); err != nil {
		t.Fatal(err)
	}
	if got, want := conn.Credit(), int64(40); got != want {
		t.Fatalf("conn credit after a.Take(60) = %d, want %d", got, want)
	}
	if got := b.Available(); got != 40 {
		t.Fatalf("b.Available = %d, want 40 (capped by parent)", got)
	}
	if err := b.Take(41); !errors.Is(err, ErrWindowExhausted) {
		t.Fatalf("b.Take(41) = %v, want ErrWindowExhausted", err)
	}
	if b.Credit() != 70 || conn.Credit() != 40 {
		t.Fatalf("failed Take changed credit: b=%d conn=%d", b.Credit(), conn.Credit())
	}
	if err := b.Take(40); err != nil {
		t.Fatal(err)
	}
	if got := a.Available(); got != 0 {
		t.Fatalf("a.Available with exhausted parent = %d, want 0", got)
	}
	// A child's Add does not credit the parent.
	if err := a.Add(50); err != nil {
		t.Fatal(err)
	}
	if got := a.Available(); got != 0 {
		t.Fatalf("a.Available after child-only Add = %d, want 0", got)
	}
	if err := conn.Add(30); err != nil {
		t.Fatal(err)
	}
	if got := a.Available(); got != 30 {
		t.Fatalf("a.Available = %d, want 30", got)
	}
	// A negative parent caps children at zero, never below.
	if err := conn.Adjust(-100); err != nil {
		t.Fatal(err)
	}
	if got := a.Available(); got != 0 {
		t.Fatalf("a.Available under negative parent = %d, want 0", got)
	}
}

// sumExact returns a+b and which way, if any, it overflowed int64: +1 when the
// true sum is above math.MaxInt64, -1 when below math.MinInt64.
func sumExact(a, b int64) (sum int64, over int) {
	sum = a + b
	switch {
	case a > 0 && b > 0 && sum < 0:
		over = 1
	case a < 0 && b < 0 && sum >= 0:
		over = -1
	}
	return sum, over
}

// windowModel is the reference for FuzzWindow. It decides every outcome with
// sumExact, so it cannot share an overflow bug with the code under test.
type windowModel struct {
	w      *Window
	parent *windowModel
	credit int64
	limit  int64
}

func newWindowModel(n, mx int64, parent *windowModel) *windowModel {
	lim := int64(math.MaxInt32)
	if mx > 0 {
		lim = mx
	}
	var pw *Window
	if parent != nil {
		pw = parent.w
	}
	w := NewWindow(n, mx, pw)
	return &windowModel{w: &w, parent: parent, credit: min(max(n, -lim), lim), limit: lim}
}

func (m *windowModel) available() int64 {
	c := m.credit
	for p := m.parent; p != nil; p = p.parent {
		c = min(c, p.credit)
	}
	return max(c, 0)
}

// plus returns credit+n and whether it stays within ±limit.
func (m *windowModel) plus(n int64) (int64, bool) {
	s, over := sumExact(m.credit, n)
	return s, over == 0 && s <= m.limit && s >= -m.limit
}

// check compares the window with the model. It returns an error rather than
// calling t.Helper, which would dominate the fuzzer's execution time.
func (m *windowModel) check() error {
	if got := m.w.Credit(); got != m.credit {
		return fmt.Errorf("Credit = %d, model %d", got, m.credit)
	}
	av := m.w.Available()
	if av < 0 {
		return fmt.Errorf("Available = %d is negative", av)
	}
	if av > m.limit {
		return fmt.Errorf("Available = %d above max %d", av, m.limit)
	}
	if want := m.available(); av != want {
		return fmt.Errorf("Available = %d, model %d", av, want)
	}
	return nil
}

// FuzzWindow drives a connection window and two stream windows through random
// Take/Add/Adjust calls and compares each step with an exact model.
func FuzzWindow(f *testing.F) {
	f.Add(int64(0), int64(0), int64(65535), int64(65535), []byte{0, 1, 0, 10, 1, 2, 0, 5})
	f.Add(int64(100), int64(50), int64(100), int64(50), []byte{2, 0, 2, 10, 0, 1, 0, 60, 1, 0, 2, 0})
	f.Add(int64(0), int64(10), int64(1), int64(1), []byte{1, 1, 2, 10, 2, 0, 2, 12})
	f.Fuzz(func(t *testing.T, connMax, streamMax, connInit, streamInit int64, ops []byte) {
		conn := newWindowModel(connInit, connMax, nil)
		ws := []*windowModel{
			conn,
			newWindowModel(streamInit, streamMax, conn),
			newWindowModel(streamInit/2, streamMax, conn),
		}
		names := []string{"conn", "stream1", "stream2"}
		for i, m := range ws {
			if err := m.check(); err != nil {
				t.Fatalf("%s initial: %v", names[i], err)
			}
		}
		in := &fuzzInput{b: ops}
		for step := 0; in.more() && step < maxFuzzSteps; step++ {
			op, i := in.byte()%3, int(in.byte())%len(ws)
			m, n := ws[i], in.int64()
			var before [3]int64
			for j, o := range ws {
				before[j] = o.credit
			}
			next, fits := m.plus(n)
			var err error
			var want error // the sentinel a failure must wrap, if any
			fail := false
			switch op {
			case 0:
				avail := m.available()
				err = m.w.Take(n)
				switch {
				case n < 0:
					fail = true
				case n > avail:
					fail, want = true, ErrWindowExhausted
				default:
					for p := m; p != nil; p = p.parent {
						p.credit -= n
					}
				}
			case 1:
				err = m.w.Add(n)
				switch {
				case n < 0:
					fail = true
				case !fits:
					fail, want = true, ErrWindowOverflow
				default:
					m.credit = next
				}
			case 2:
				err = m.w.Adjust(n)
				if !fits {
					fail, want = true, ErrWindowOverflow
				} else {
					m.credit = next
				}
			}
			what := []string{"Take", "Add", "Adjust"}[op]
			switch {
			case fail && err == nil:
				t.Fatalf("step %d: %s.%s(%d) succeeded, model says it must fail (credit before %d)", step, names[i], what, n, before[i])
			case !fail && err != nil:
				t.Fatalf("step %d: %s.%s(%d) = %v, model says it succeeds", step, names[i], what, n, err)
			case want != nil && !errors.Is(err, want):
				t.Fatalf("step %d: %s.%s(%d) = %v, want %v", step, names[i], what, n, err, want)
			}
			if fail {
				for j, o := range ws {
					if o.w.Credit() != before[j] {
						t.Fatalf("step %d: failed %s.%s(%d) changed %s credit %d -> %d", step, names[i], what, n, names[j], before[j], o.w.Credit())
					}
				}
			}
			for j, o := range ws {
				if err := o.check(); err != nil {
					t.Fatalf("step %d: after %s.%s(%d): %s %v", step, names[i], what, n, names[j], err)
				}
			}
			// Parent consistency: no stream may ever offer more than the connection holds.
			if c := max(conn.w.Credit(), 0); ws[1].w.Available() > c || ws[2].w.Available() > c {
				t.Fatalf("step %d: stream Available above connection credit %d", step, c)
			}
		}
	})
}

func BenchmarkWindowTakeAdd(b *testing.B) {
	conn := NewWindow(1<<20, 0, nil)
	w := NewWindow(1<<20, 0, &conn)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Take(1024); err != nil {
			b.Fatal(err)
		}
		if err := w.Add(1024); err != nil {
			b.Fatal(err)
		}
		if err := conn.Add(1024); err != nil {
			b.Fatal(err)
		}
	}
}
