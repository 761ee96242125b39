package logging

import (
	"context"
	"log/slog"
	"log/syslog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSyslogHandler(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.sock")
	daemon, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	w, err := syslog.Dial("unixgram", path, syslog.LOG_USER, "golws-test")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	log := slog.New(NewSyslogHandler(w, LevelNotice)).With("vhost", "v1")
	log.Log(context.Background(), LevelInfo, "not sent")
	log.Log(context.Background(), LevelNotice, "listening", "port", 7681)
	log.Warn("slow peer")
	log.Error("bind failed")

	want := []struct{ pri, text string }{
		{"<13>", "msg=listening vhost=v1 port=7681"}, // user.notice
		{"<12>", "msg=\"slow peer\" vhost=v1"},       // user.warning
		{"<11>", "msg=\"bind failed\" vhost=v1"},     // user.err
	}
	buf := make([]byte, 2048)
	for _, wt := range want {
		daemon.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := daemon.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got := string(buf[:n])
		if !strings.HasPrefix(got, wt.pri) || !strings.Contains(got, wt.text) || !strings.Contains(got, "golws-test") {
			t.Errorf("syslog got %q, want priority %s and %q", got, wt.pri, wt.text)
		}
		if strings.Contains(got, "level=") || strings.Contains(got, "time=") {
			t.Errorf("syslog line repeats what syslog records itself: %q", got)
		}
	}
}
