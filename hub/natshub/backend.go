package natshub

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/golws/lws/hub"
)

func init() {
	hub.RegisterBackend("nats", func(opts map[string]string) (hub.Backend, error) {
		o, err := Config(opts)
		if err != nil {
			return nil, err
		}
		return New(o)
	})
}

// Backend is a hub.Backend over NATS, with its embedded server if it runs
// one. Make it with New; every method is safe from any goroutine.
type Backend struct {
	o   Options
	srv *server.Server // nil without an embedded server
	nc  *nats.Conn

	queue chan outgoing
	stop  chan struct{}
	sent  chan struct{} // closed when the sender has finished

	roomMu  sync.Mutex
	waiters []func()
	waiting atomic.Bool // len(waiters) > 0; set under roomMu, read without it by the sender
	resume  int         // queue length at or below which waiters run

	subsMu    sync.Mutex
	subs      map[*nats.Subscription]struct{}
	subjects  map[string]*subjectRef // by topic, for the topics subscribed; guarded by subsMu
	subjectOf sync.Map               // topic → subject, the same, read by Publish without subsMu

	closeOnce sync.Once
	closeErr  error

	published, received, malformed, publishErrors, slow atomic.Uint64
}

type outgoing struct {
	subject string
	data    []byte
}

var _ hub.Backend = (*Backend)(nil)

// New starts the backend: the embedded server if the options ask for one,
// then the connection to NATS.
func New(o Options) (*Backend, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	o.defaults()
	b := &Backend{
		o:        o,
		queue:    make(chan outgoing, o.QueueSize),
		stop:     make(chan struct{}),
		sent:     make(chan struct{}),
		resume:   o.QueueSize - max(1, o.QueueSize/4),
		subs:     map[*nats.Subscription]struct{}{},
		subjects: map[string]*subjectRef{},
	}
	if o.Listen != "" || o.ClusterListen != "" {
		srv, err := startServer(o)
		if err != nil {
			return nil, err
		}
		b.srv = srv
	}
	opts := []nats.Option{
		nats.Name(o.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(o.ReconnectWait),
		nats.ReconnectBufSize(8 << 20),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				b.slow.Add(1)
			}
		}),
	}
	url := strings.Join(o.URLs, ",")
	if url == "" {
		url = b.srv.ClientURL()
		opts = append(opts, nats.InProcessServer(b.srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.shutdownServer()
		return nil, fmt.Errorf("natshub: connecting to %s: %w", url, err)
	}
	b.nc = nc
	go b.send()
	return b, nil
}

// startServer runs the embedded NATS server.
func startServer(o Options) (*server.Server, error) {
	// The server always takes clients (routing waits for its client
	// listener): without Listen, on a free loopback port.
	so := &server.Options{ServerName: o.Name, NoLog: true, NoSigs: true, Host: "127.0.0.1", Port: server.RANDOM_PORT}
	if o.Listen != "" {
		host, port, err := hostPort(o.Listen)
		if err != nil {
			return nil, fmt.Errorf("natshub: listen %q: %w", o.Listen, err)
		}
		so.Host, so.Port = host, port
	}
	if o.ClusterListen != "" {
		host, port, err := hostPort(o.ClusterListen)
		if err != nil {
			return nil, fmt.Errorf("natshub: cluster listen %q: %w", o.ClusterListen, err)
		}
		so.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: host, Port: port}
		var routes []string
		for _, r := range o.Routes {
			if !strings.Contains(r, "://") {
				r = "nats-route://" + r
			}
			routes = append(routes, r)
		}
		so.Routes = server.RoutesFromStr(strings.Join(routes, ","))
	}
	srv, err := server.NewServer(so)
	if err != nil {
		return nil, fmt.Errorf("natshub: embedded server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, errors.New("natshub: embedded server did not start within 10 s")
	}
	return srv, nil
}

// hostPort splits host:port; port 0 becomes the server's "any free port".
func hostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	return host, port, nil
}

// ClientURL is the embedded server's client URL, "" without one. Without
// Options.Listen it is on a free loopback port.
func (b *Backend) ClientURL() string {
	if b.srv == nil {
		return ""
	}
	return b.srv.ClientURL()
}

// ClusterAddr is the address the embedded server takes routes on, nil
// without one.
func (b *Backend) ClusterAddr() *net.TCPAddr {
	if b.srv == nil || b.o.ClusterListen == "" {
		return nil
	}
	return b.srv.ClusterAddr()
}

// Routes is the number of routes the embedded server has to other nodes'
// servers; 0 without one.
func (b *Backend) Routes() int {
	if b.srv == nil {
		return 0
	}
	return b.srv.NumRoutes()
}

// Connected reports whether the connection to NATS is up.
func (b *Backend) Connected() bool { return b.nc.IsConnected() }

// Stats are a backend's counters.
type Stats struct {
	Published         uint64 // messages handed to NATS
	PublishErrors     uint64 // messages NATS refused (while reconnecting, past its buffer)
	Received          uint64 // messages received from NATS and handed to their topic
	Malformed         uint64 // received messages that were not a hub message
	SlowConsumerDrops uint64 // slow-consumer events: NATS dropped past a subscription's pending limits
	Dropped           uint64 // messages so dropped, on the topics open now
	Pending           uint64 // messages received, waiting for their topic's delivery
}

// Stats returns the backend's counters.
func (b *Backend) Stats() Stats {
	st := Stats{b.published.Load(), b.publishErrors.Load(), b.received.Load(), b.malformed.Load(), b.slow.Load(), 0, 0}
	b.subsMu.Lock()
	defer b.subsMu.Unlock()
	for sub := range b.subs {
		if n, err := sub.Dropped(); err == nil {
			st.Dropped += uint64(n)
		}
		if n, _, err := sub.Pending(); err == nil {
			st.Pending += uint64(n)
		}
	}
	return st
}

// Subscribe implements hub.Backend with one NATS subscription per topic.
func (b *Backend) Subscribe(topic string, deliver func(*hub.Message)) (func(), error) {
	var mu sync.Mutex
	cancelled := false
	subj, release := b.holdSubject(topic)
	sub, err := b.nc.Subscribe(subj, func(msg *nats.Msg) {
		m, err := decode(msg.Data)
		if err != nil {
			b.malformed.Add(1)
			return
		}
		b.received.Add(1)
		mu.Lock()
		defer mu.Unlock()
		if !cancelled {
			deliver(m)
		}
	})
	if err != nil {
		release()
		return nil, fmt.Errorf("natshub: subscribing to %q: %w", topic, err)
	}
	if err := sub.SetPendingLimits(b.o.PendingMsgs, b.o.PendingBytes); err != nil {
		sub.Unsubscribe()
		release()
		return nil, err
	}
	b.subsMu.Lock()
	b.subs[sub] = struct{}{}
	b.subsMu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			sub.Unsubscribe()
			b.subsMu.Lock()
			delete(b.subs, sub)
			b.subsMu.Unlock()
			mu.Lock() // waits for a delivery in progress
			cancelled = true
			mu.Unlock()
			release()
		})
	}, nil
}

// subjectRef is a subscribed topic's subject and its subscription count.
type subjectRef struct {
	subject string
	refs    int
}

// holdSubject returns topic's subject, kept for Publish until release is
// called as many times as holdSubject was.
func (b *Backend) holdSubject(topic string) (subj string, release func()) {
	b.subsMu.Lock()
	defer b.subsMu.Unlock()
	ref := b.subjects[topic]
	if ref == nil {
		ref = &subjectRef{subject: subject(b.o.Prefix, topic)}
		b.subjects[topic] = ref
		b.subjectOf.Store(topic, ref.subject)
	}
	ref.refs++
	return ref.subject, func() {
		b.subsMu.Lock()
		defer b.subsMu.Unlock()
		if ref.refs--; ref.refs == 0 {
			delete(b.subjects, topic)
			b.subjectOf.Delete(topic)
		}
	}
}

// Publish implements hub.Backend: m is queued for the sending goroutine,
// or refused when the queue is full. A refused message costs no encoding,
// and a subscribed topic's subject is not made again.
func (b *Backend) Publish(topic string, m *hub.Message) bool {
	select {
	case <-b.stop:
		return false
	default:
	}
	if len(b.queue) == cap(b.queue) {
		return false
	}
	var subj string
	if v, ok := b.subjectOf.Load(topic); ok {
		subj = v.(string)
	} else {
		subj = subject(b.o.Prefix, topic)
	}
	out := outgoing{subj, encode(make([]byte, 0, len(m.Data)+8), m)}
	select {
	case b.queue <- out:
		return true
	default:
		return false
	}
}

// OnRoom implements hub.Backend: f runs once the queue is at most three
// quarters full.
//
// f is registered, and waiting set, before the queue's length is looked at:
// the sender looks at waiting after taking each message, so either it sees
// f registered or this call sees the room it made.
func (b *Backend) OnRoom(f func()) {
	b.roomMu.Lock()
	b.waiters = append(b.waiters, f)
	b.waiting.Store(true)
	if onRoomRegistered != nil {
		onRoomRegistered()
	}
	run := b.takeWaiters()
	b.roomMu.Unlock()
	for _, f := range run {
		f()
	}
}

// onRoomRegistered, when set by a test, runs in OnRoom between registering
// the waiter and looking at the queue: where the sender may empty it.
var onRoomRegistered func()

// takeWaiters returns the waiters, clearing them, if the queue has room
// for them; nil otherwise. roomMu must be held.
func (b *Backend) takeWaiters() []func() {
	if len(b.queue) > b.resume {
		return nil
	}
	run := b.waiters
	b.waiters = nil
	b.waiting.Store(false)
	return run
}

// send hands queued messages to NATS until Close, then what is left.
func (b *Backend) send() {
	defer close(b.sent)
	for {
		select {
		case out := <-b.queue:
			b.publish(out)
		case <-b.stop:
			for {
				select {
				case out := <-b.queue:
					b.publish(out)
				default:
					return
				}
			}
		}
	}
}

func (b *Backend) publish(out outgoing) {
	if err := b.nc.Publish(out.subject, out.data); err != nil {
		b.publishErrors.Add(1)
	} else {
		b.published.Add(1)
	}
	b.afterSend()
}

// afterSend runs the OnRoom waiters if taking a message from the queue
// made room for them.
func (b *Backend) afterSend() {
	if !b.waiting.Load() {
		return
	}
	b.roomMu.Lock()
	run := b.takeWaiters()
	b.roomMu.Unlock()
	for _, f := range run {
		f()
	}
}

// Close implements hub.Backend: it sends what is queued, flushes it to
// NATS (for at most 2 s), closes the connection and shuts the embedded
// server down.
func (b *Backend) Close() error {
	b.closeOnce.Do(func() {
		close(b.stop)
		<-b.sent
		if b.nc.IsConnected() {
			b.nc.FlushTimeout(2 * time.Second)
		}
		b.nc.Close()
		b.shutdownServer()
	})
	return b.closeErr
}

func (b *Backend) shutdownServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
