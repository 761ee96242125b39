package flow

import "testing"

// modelTail is FuzzRing's reference for one tail: items are numbered
// 1, 2, ... in append order, and the model applies the policy eagerly on
// every Append, the simplest reading of the specification.
type modelTail struct {
	real    *Tail[int]
	pos     int // index into the items slice of the next item to read
	skipped uint64
	dropped bool
	closed  bool
}

func (m *modelTail) attached() bool { return !m.closed && !m.dropped }

// FuzzRing runs random Append/Subscribe/Next/Peek/Close sequences against a
// slice-backed model and checks every tail sees exactly what the model says.
func FuzzRing(f *testing.F) {
	f.Add(uint8(3), false, []byte{2, 0, 0, 0, 0, 0, 3, 0, 3, 0, 2, 0, 1, 4, 0, 3, 1})
	f.Add(uint8(1), true, []byte{2, 2, 0, 3, 0, 0, 3, 1, 1, 3, 0, 4, 1, 2, 0, 5, 2})
	f.Add(uint8(0), false, []byte{2, 0, 0, 4, 0, 0, 2, 0, 3, 1, 3, 0, 3, 0})
	f.Add(uint8(129), false, []byte{2, 0, 0, 0, 2, 0, 3, 0, 0, 3, 1, 3, 1, 0, 5, 0, 0})
	f.Fuzz(func(t *testing.T, sizeByte uint8, drop bool, ops []byte) {
		size, policy := int(sizeByte%8)+1, Skip
		switch {
		case drop:
			policy = Drop
		case sizeByte >= 128:
			policy = Block
		}
		r := NewRing[int](size, policy)
		var items []int
		var tails []*modelTail
		in := &fuzzInput{b: ops}
		pick := func() *modelTail {
			if len(tails) == 0 {
				return nil
			}
			return tails[int(in.byte())%len(tails)]
		}
		for step := 0; in.more() && step < maxFuzzSteps; step++ {
			switch op := in.byte() % 6; op {
			case 0, 1:
				v := len(items) + 1
				head := len(items)
				if policy == Block {
					full := false
					for _, m := range tails {
						full = full || (m.attached() && head-m.pos >= size)
					}
					if got := r.Append(v); got == full {
						t.Fatalf("step %d: Block Append = %v with the ring full = %v", step, got, full)
					}
					if !full {
						items = append(items, v)
					}
					break
				}
				for _, m := range tails {
					if !m.attached() || head+1-m.pos <= size {
						continue
					}
					if policy == Drop {
						m.dropped = true
					} else {
						m.skipped += uint64(head + 1 - size - m.pos)
						m.pos = head + 1 - size
					}
				}
				items = append(items, v)
				if !r.Append(v) {
					t.Fatalf("step %d: %v Append refused", step, policy)
				}
			case 2:
				if len(tails) < 8 {
					tails = append(tails, &modelTail{real: r.Subscribe(), pos: len(items)})
				}
			case 3, 4:
				m := pick()
				if m == nil {
					continue
				}
				var v int
				var ok bool
				if op == 3 {
					v, ok = m.real.Next()
				} else {
					v, ok = m.real.Peek()
				}
				wantOK := m.attached() && m.pos < len(items)
				if ok != wantOK || (ok && v != items[m.pos]) {
					want := 0
					if wantOK {
						want = items[m.pos]
					}
					t.Fatalf("step %d: %s = %d, %v; model %d, %v", step, []string{"Next", "Peek"}[op-3], v, ok, want, wantOK)
				}
				if ok && op == 3 {
					m.pos++
				}
			case 5:
				if m := pick(); m != nil {
					m.real.Close()
					m.closed = true
				}
			}

			attached, oldest := 0, len(items)
			for i, m := range tails {
				wantLag := 0
				if m.attached() {
					attached++
					oldest = min(oldest, m.pos)
					wantLag = len(items) - m.pos
				}
				if got := m.real.Lag(); got != wantLag {
					t.Fatalf("step %d: tail %d Lag = %d, model %d", step, i, got, wantLag)
				}
				if got := m.real.Skipped(); got != m.skipped {
					t.Fatalf("step %d: tail %d Skipped = %d, model %d", step, i, got, m.skipped)
				}
				if got := m.real.Dropped(); got != m.dropped {
					t.Fatalf("step %d: tail %d Dropped = %v, model %v", step, i, got, m.dropped)
				}
			}
			if got := r.Consumers(); got != attached {
				t.Fatalf("step %d: Consumers = %d, model %d", step, got, attached)
			}
			if got, want := r.Len(), len(items)-oldest; got != want {
				t.Fatalf("step %d: Len = %d, model %d", step, got, want)
			}
			checkRing(t, r)
		}
	})
}
