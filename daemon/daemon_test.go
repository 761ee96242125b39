package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPIDFileLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "golws.pid")
	pf, err := LockPIDFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pid file holds %q", b)
	}
	_, err = LockPIDFile(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second lock: %v", err)
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pf.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("pid file left after Close: %v", err)
	}
	pf, err = LockPIDFile(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	pf.Close()
	if _, err := LockPIDFile(filepath.Join(t.TempDir(), "no", "such", "dir.pid")); err == nil || errors.Is(err, ErrLocked) {
		t.Fatalf("lock in a missing directory: %v", err)
	}
}

// TestDaemonize runs twice: in the test process, which daemonizes, and in
// the detached copy Daemonize starts (the test binary again, running only
// this test), which reports its session and stdin and waits to be told to
// stop.
func TestDaemonize(t *testing.T) {
	const dirEnv = "GOLWS_TEST_DAEMON_DIR"
	dir := os.Getenv(dirEnv)
	if dir == "" {
		dir = t.TempDir()
		t.Setenv(dirEnv, dir)
	}
	pidPath := filepath.Join(dir, "d.pid")
	stop, facts := filepath.Join(dir, "stop"), filepath.Join(dir, "facts")
	opts := Options{PIDFile: pidPath, Args: []string{"-test.run=^TestDaemonize$", "-test.count=1"}}
	pf, parent, err := Daemonize(opts)
	if !parent {
		// The detached copy.
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
		stdin, _ := os.Readlink("/proc/self/fd/0")
		wd, _ := os.Getwd()
		os.WriteFile(facts+".tmp", fmt.Appendf(nil, "%d %d %s %s", os.Getpid(), int(sid), stdin, wd), 0o644)
		os.Rename(facts+".tmp", facts)
		poll(t, 30*time.Second, "the stop file", func() bool { _, err := os.Stat(stop); return err == nil })
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var pid, sid int
	var stdin, wd string
	poll(t, 10*time.Second, "the detached copy's facts", func() bool {
		b, err := os.ReadFile(facts)
		return err == nil && len(b) > 0 && func() bool { fmt.Sscan(string(b), &pid, &sid, &stdin, &wd); return true }()
	})
	defer os.WriteFile(stop, nil, 0o644) // whatever happens, let it go
	if sid != pid || stdin != "/dev/null" || wd != "/" {
		t.Errorf("detached copy: pid %d sid %d stdin %q wd %q; want its own session, /dev/null and /", pid, sid, stdin, wd)
	}
	_, err = LockPIDFile(pidPath)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(pid)) {
		t.Fatalf("lock while the daemon runs: %v", err)
	}
	if _, parent, err := Daemonize(opts); !parent || !errors.Is(err, ErrLocked) {
		t.Fatalf("a second daemon: %v", err)
	}
	os.WriteFile(stop, nil, 0o644)
	var again *PIDFile
	poll(t, 10*time.Second, "the daemon to release its lock", func() bool {
		again, err = LockPIDFile(pidPath)
		return err == nil
	})
	again.Close()
}

// poll waits until cond holds, failing the test after d.
func poll(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
	}
}
