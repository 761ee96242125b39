package flow

import (
	"sync"
	"testing"
)

func TestSignalCoalesces(t *testing.T) {
	s := NewSignal()
	for range 1000 {
		s.Notify()
	}
	select {
	case <-s.C():
	default:
		t.Fatal("no wake-up after Notify")
	}
	select {
	case <-s.C():
		t.Fatal("1000 Notify calls delivered more than one wake-up")
	default:
	}
}

func TestSignalPending(t *testing.T) {
	s := NewSignal()
	if s.Pending() {
		t.Fatal("fresh Signal is pending")
	}
	s.Notify()
	s.Notify()
	if !s.Pending() {
		t.Fatal("Pending false after Notify")
	}
	if s.Pending() {
		t.Fatal("Pending did not consume the wake-up")
	}
	s.Notify()
	<-s.C()
	if s.Pending() {
		t.Fatal("receive from C did not consume the wake-up")
	}
}

// TestSignalNotifyConcurrent shows Notify never blocks: 100 goroutines notify
// many times while nobody receives, and all of them return.
func TestSignalNotifyConcurrent(t *testing.T) {
	s := NewSignal()
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for range 100 {
				s.Notify()
			}
		})
	}
	wg.Wait()
	if !s.Pending() {
		t.Fatal("no wake-up after concurrent Notify")
	}
	if s.Pending() {
		t.Fatal("concurrent Notify left more than one wake-up")
	}
}

// TestSignalNotifyFromOwner: the owner may Notify itself while a wake-up is
// pending without deadlocking.
func TestSignalNotifyFromOwner(t *testing.T) {
	s := NewSignal()
	s.Notify()
	<-s.C()
	s.Notify()
	s.Notify()
	<-s.C()
}

func TestSignalNil(t *testing.T) {
	var s Signal
	s.Notify()
	if s.Pending() {
		t.Fatal("nil Signal is pending")
	}
	select {
	case <-s.C():
		t.Fatal("nil Signal fired")
	default:
	}
}

func BenchmarkSignalNotify(b *testing.B) {
	s := NewSignal()
	b.ReportAllocs()
	for b.Loop() {
		s.Notify()
	}
}

func BenchmarkSignalNotifyParallel(b *testing.B) {
	s := NewSignal()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Notify()
		}
	})
}

// BenchmarkSignalNotifyReceive measures a wake-up that is actually delivered.
func BenchmarkSignalNotifyReceive(b *testing.B) {
	s := NewSignal()
	b.ReportAllocs()
	for b.Loop() {
		s.Notify()
		<-s.C()
	}
}
