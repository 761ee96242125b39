package conn

import (
	"log/slog"
	"sync"
	"syscall"
	"unsafe"
)

// watchPoll is how long the watcher waits in one epoll_wait, in
// milliseconds; it ends when it has been idle with nothing to watch.
const watchPoll = 100

// watcher waits, with one epoll instance and one goroutine for the whole
// process, for input on the sockets of parked connections. The goroutine
// runs only while some connection is parked.
type watcher struct {
	mu      sync.Mutex
	epfd    int // -1 until made
	running bool
	next    uint64
	waiting map[uint64]func() // by registration, the ready function to call
}

var parked = watcher{epfd: -1}

// watch calls ready once rc's socket is readable (input, its end or an
// error), from the watcher's goroutine, unless cancel is called first.
func watch(rc syscall.RawConn, ready func()) (cancel func(), err error) {
	w := &parked
	w.mu.Lock()
	if w.epfd < 0 {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			w.mu.Unlock()
			return nil, err
		}
		w.epfd, w.waiting = fd, make(map[uint64]func())
	}
	w.next++
	id := w.next
	w.waiting[id] = ready
	epfd := w.epfd
	if !w.running {
		w.running = true
		go w.loop()
	}
	w.mu.Unlock()

	var cerr error
	err = rc.Control(func(fd uintptr) {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT}
		*(*uint64)(unsafe.Pointer(&ev.Fd)) = id
		// The socket stays registered (disabled) after an event: rearm it.
		cerr = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_MOD, int(fd), &ev)
		if cerr == syscall.ENOENT {
			cerr = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		}
	})
	if err == nil {
		err = cerr
	}
	cancel = func() {
		w.mu.Lock()
		delete(w.waiting, id)
		w.mu.Unlock()
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return cancel, nil
}

// loop runs ready functions as their sockets become readable. It returns
// once nothing is watched; a closed socket leaves the epoll set by itself,
// and its connection's entry goes when the connection is cut (unpark) or
// by the entry's own event.
func (w *watcher) loop() {
	var evs [128]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(w.epfd, evs[:], watchPoll)
		if err != nil && err != syscall.EINTR {
			slog.Default().Error("conn: epoll_wait of parked connections", "err", err)
		}
		for i := range max(n, 0) {
			id := *(*uint64)(unsafe.Pointer(&evs[i].Fd))
			w.mu.Lock()
			ready := w.waiting[id]
			delete(w.waiting, id)
			w.mu.Unlock()
			if ready != nil {
				ready()
			}
		}
		w.mu.Lock()
		if n <= 0 && len(w.waiting) == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}
