package flow_test

import (
	"fmt"

	"github.com/golws/lws/flow"
)

// A producer appends and notifies; the consumer wakes on its Signal and
// drains its Tail.
func ExampleRing() {
	r := flow.NewRing[string](4, flow.Skip)
	tail := r.Subscribe()
	defer tail.Close()
	wake := flow.NewSignal()

	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, m := range []string{"a", "b", "c"} {
			r.Append(m)
			wake.Notify()
		}
	}()
	<-done

	<-wake.C()
	for m, ok := tail.Next(); ok; m, ok = tail.Next() {
		fmt.Println(m)
	}
	// Output:
	// a
	// b
	// c
}

// A slow consumer on a Skip ring loses the oldest items, and knows how many.
func ExampleTail_Skipped() {
	r := flow.NewRing[int](2, flow.Skip)
	tail := r.Subscribe()
	for i := 1; i <= 5; i++ {
		r.Append(i)
	}
	for v, ok := tail.Next(); ok; v, ok = tail.Next() {
		fmt.Println(v)
	}
	fmt.Println("skipped", tail.Skipped())
	// Output:
	// 4
	// 5
	// skipped 3
}
