// Package daemon holds what a golws server needs to run as a daemon, as
// lws's lws_daemonize does: a locked PID file against a second instance,
// and Daemonize, which detaches the program from its terminal by starting
// itself again (a Go program cannot fork safely).
package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// ErrLocked is wrapped by LockPIDFile's error when another process holds
// the lock: another instance is running.
var ErrLocked = errors.New("daemon: another instance is running")

// PIDFile is a held lock (pid) file: while it is held, LockPIDFile of the
// same path fails with ErrLocked, in this process or any other. The lock is
// an flock(2) on the open file, so the kernel drops it when the process
// dies, however it dies: a stale file never blocks a restart.
type PIDFile struct {
	f    *os.File
	path string
}

// LockPIDFile creates (or opens) path, takes an exclusive lock on it
// without waiting, and writes the process id into it. If another process
// (or another PIDFile of this one) holds it, the error wraps ErrLocked and
// names the pid written in the file.
func LockPIDFile(path string) (*PIDFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("daemon: pid file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is locked by pid %s", ErrLocked, path, strings.TrimSpace(string(b)))
		}
		return nil, fmt.Errorf("daemon: locking pid file %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("daemon: pid file %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("daemon: pid file %s: %w", path, err)
	}
	return &PIDFile{f: f, path: path}, nil
}

// Path is the file's path.
func (p *PIDFile) Path() string { return p.path }

// Close removes the file and releases the lock. It is safe to call twice.
func (p *PIDFile) Close() error {
	if p.f == nil {
		return nil
	}
	err := os.Remove(p.path) // while still locked: nobody may lock the old file meanwhile
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	return err
}

// Options configure Daemonize.
type Options struct {
	// PIDFile is the lock file the daemon holds while it runs. Required.
	PIDFile string
	// Args are the arguments of the detached copy. Nil means the
	// program's own (os.Args[1:]).
	Args []string
	// Dir is the working directory of the detached copy. Empty means "/".
	Dir string
	// Output, if set, is a file that receives the detached copy's stdout
	// and stderr (appended). Empty means /dev/null.
	Output string
}

// daemonEnv marks the detached copy; its value is the readiness pipe's fd.
const daemonEnv = "GOLWS_DAEMON_CHILD"

// Daemonize runs the program detached from its terminal — what lws's
// lws_daemonize does with fork, which a Go program cannot do safely. It
// returns in two processes:
//
//   - In the calling process it starts a copy of the running binary with
//     o.Args in a new session (setsid: no controlling terminal), stdin on
//     /dev/null, stdout and stderr on /dev/null (or o.Output), working in
//     o.Dir, and waits until the copy holds the lock file. It then returns
//     parent == true; the caller should exit 0. If the copy cannot take the
//     lock — another instance runs — the error says so (wrapping ErrLocked).
//
//   - In the copy it takes the lock file and returns it with parent ==
//     false; the program goes on to serve and closes the PIDFile when it
//     stops.
//
// Under a service manager (systemd Type=simple, runit, a container) do not
// daemonize: run in the foreground and, if wanted, hold LockPIDFile.
func Daemonize(o Options) (pf *PIDFile, parent bool, err error) {
	if o.PIDFile == "" {
		return nil, false, errors.New("daemon: Daemonize needs a PIDFile")
	}
	if fd := os.Getenv(daemonEnv); fd != "" {
		os.Unsetenv(daemonEnv)
		return daemonChild(o.PIDFile, fd)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, true, fmt.Errorf("daemon: Daemonize: %w", err)
	}
	args := o.Args
	if args == nil {
		args = os.Args[1:]
	}
	dir := o.Dir
	if dir == "" {
		dir = "/"
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, true, fmt.Errorf("daemon: Daemonize: %w", err)
	}
	defer null.Close()
	out := null
	if o.Output != "" {
		if out, err = os.OpenFile(o.Output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err != nil {
			return nil, true, fmt.Errorf("daemon: Daemonize: %w", err)
		}
		defer out.Close()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, true, fmt.Errorf("daemon: Daemonize: %w", err)
	}
	defer r.Close()
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, out, out
	cmd.ExtraFiles = []*os.File{w} // fd 3
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, true, fmt.Errorf("daemon: Daemonize: starting %s: %w", exe, err)
	}
	// The copy answers "ok" once it holds the lock, or why it could not.
	line, _ := bufio.NewReader(r).ReadString('\n')
	line = strings.TrimSpace(line)
	if line == "ok" {
		cmd.Process.Release()
		return nil, true, nil
	}
	cmd.Wait()
	if msg, ok := strings.CutPrefix(line, "locked: "); ok {
		return nil, true, fmt.Errorf("%w: %s", ErrLocked, msg)
	}
	if line == "" {
		line = "it exited before taking the lock"
	}
	return nil, true, fmt.Errorf("daemon: Daemonize: the detached copy failed: %s", line)
}

// daemonChild takes the lock in the detached copy and tells the parent.
func daemonChild(path, fd string) (*PIDFile, bool, error) {
	n, err := strconv.Atoi(fd)
	if err != nil {
		return nil, false, fmt.Errorf("daemon: Daemonize: bad %s=%q", daemonEnv, fd)
	}
	ready := os.NewFile(uintptr(n), "daemon-ready")
	defer ready.Close()
	pf, err := LockPIDFile(path)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, ErrLocked) {
			msg = "locked: " + strings.TrimPrefix(msg, ErrLocked.Error()+": ")
		}
		fmt.Fprintln(ready, strings.ReplaceAll(msg, "\n", " "))
		return nil, false, err
	}
	fmt.Fprintln(ready, "ok")
	return pf, false, nil
}
