package natshub

import (
	"testing"

	"github.com/golws/lws/conn"
	"github.com/golws/lws/hub"
)

// Publish refuses a message the full queue cannot take before encoding it,
// and reuses a subscribed topic's subject.
func TestPublishCosts(t *testing.T) {
	b := &Backend{o: Options{Prefix: "lws."}, queue: make(chan outgoing, 1), stop: make(chan struct{}), subjects: map[string]*subjectRef{}}
	m := hub.NewMessage(conn.Text, []byte("hello"))
	b.queue <- outgoing{}
	if n := testing.AllocsPerRun(100, func() {
		if b.Publish("room", m) {
			t.Fatal("Publish took a message past a full queue")
		}
	}); n != 0 {
		t.Fatalf("refusing a message on a full queue: %v allocations, want 0", n)
	}
	<-b.queue

	subj, release := b.holdSubject("room")
	if want := subject("lws.", "room"); subj != want {
		t.Fatalf("subject %q, want %q", subj, want)
	}
	if n := testing.AllocsPerRun(100, func() {
		if !b.Publish("room", m) {
			t.Fatal("Publish refused a message on an empty queue")
		}
		if out := <-b.queue; out.subject != subj {
			t.Fatalf("queued for %q, want %q", out.subject, subj)
		}
	}); n != 1 {
		t.Fatalf("publishing to a subscribed topic: %v allocations, want 1 (the encoding)", n)
	}
	_, release2 := b.holdSubject("room")
	release()
	if _, ok := b.subjectOf.Load("room"); !ok {
		t.Fatal("subject forgotten with a subscription left")
	}
	release2()
	if _, ok := b.subjectOf.Load("room"); ok || len(b.subjects) != 0 {
		t.Fatal("subject kept after the last subscription")
	}
	// An unsubscribed topic still publishes, to its own subject.
	if !b.Publish("other topic", m) {
		t.Fatal("Publish refused")
	}
	if out := <-b.queue; out.subject != subject("lws.", "other topic") {
		t.Fatalf("queued for %q", out.subject)
	}
	close(b.stop)
	if b.Publish("room", m) {
		t.Fatal("Publish after Close took a message")
	}
}
