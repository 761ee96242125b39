package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/golws/lws/internal/extest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func stats(t *testing.T, url string) Stats {
	t.Helper()
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSlowConsumerPausesRx(t *testing.T) {
	url := extest.Start(t, run)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const clients, perClient = 3, 60
	errs := make(chan error, clients)
	for i := range clients {
		go func() {
			c, _, err := websocket.Dial(ctx, extest.WS(url), nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.CloseNow()
			for j := range perClient {
				if err := c.Write(ctx, websocket.MessageText, fmt.Appendf(nil, "client %d message %d", i, j)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := stats(t, url)
		total := 0
		for _, n := range s.Messages {
			total += n
		}
		if total == clients*perClient {
			if s.Pauses == 0 {
				t.Fatal("the consumer was slower than the senders, yet no connection paused rx")
			}
			if s.MaxQueue > QueueLen || len(s.Messages) != clients {
				t.Fatalf("stats %+v", s)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer took %d of %d messages: %+v", total, clients*perClient, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
