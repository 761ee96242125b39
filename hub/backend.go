package hub

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Backend carries messages between the nodes sharing topics. Every method is
// safe from any goroutine.
type Backend interface {
	// Subscribe starts delivering every message published to topic, on any
	// node, this one included: deliver is called for each from one
	// goroutine at a time, in publish order per publisher. deliver may
	// block while the topic is lossless and full; the backend bounds what it
	// buffers meanwhile. cancel stops the deliveries; none runs after it
	// returns.
	Subscribe(topic string, deliver func(*Message)) (cancel func(), err error)
	// Publish sends m to topic on every node without blocking: it queues m
	// in a bounded queue and reports false, keeping nothing, when the queue
	// is full.
	Publish(topic string, m *Message) bool
	// OnRoom calls f once, from any goroutine, when Publish may succeed
	// again (at once if it may now). f must not block.
	OnRoom(f func())
	// Close ends the backend: what is queued is sent if it can be in a
	// short time, then connections and servers it started are shut down.
	Close() error
}

// BackendFunc makes a backend from string options, those of its own keys
// (see FromConfig).
type BackendFunc func(opts map[string]string) (Backend, error)

var backends = struct {
	sync.Mutex
	byName map[string]BackendFunc
	shared map[string]*sharedBackend // by name and options
}{byName: map[string]BackendFunc{}, shared: map[string]*sharedBackend{}}

// RegisterBackend makes a backend available to FromConfig under name, as
// database/sql drivers register: package hub/natshub registers "nats" when
// it is imported. It panics if name is taken or is "local".
func RegisterBackend(name string, f BackendFunc) {
	backends.Lock()
	defer backends.Unlock()
	if _, dup := backends.byName[name]; dup || name == Local || name == "" {
		panic(fmt.Sprintf("hub: RegisterBackend %q twice", name))
	}
	backends.byName[name] = f
}

// Local is the name of the in-process backend, the default: no Backend.
const Local = "local"

// sharedBackend is a backend made from configuration, shared by every hub
// configured with the same options, so that one process keeps one
// connection (and one embedded server) however many protocols and vhosts
// use it.
type sharedBackend struct {
	key  string
	b    Backend
	refs int
}

// sharedFor returns the backend called name for opts, making it on first
// use, and the function that gives it back.
func sharedFor(name string, opts map[string]string) (Backend, func() error, error) {
	backends.Lock()
	defer backends.Unlock()
	f, ok := backends.byName[name]
	if !ok {
		known := []string{Local}
		for n := range backends.byName {
			known = append(known, n)
		}
		sort.Strings(known)
		return nil, nil, fmt.Errorf("hub: unknown backend %q (known: %s; import its package, e.g. hub/natshub for nats)", name, strings.Join(known, ", "))
	}
	key := backendKey(name, opts)
	sb := backends.shared[key]
	if sb == nil {
		b, err := f(opts)
		if err != nil {
			return nil, nil, err
		}
		sb = &sharedBackend{key: key, b: b}
		backends.shared[key] = sb
	}
	sb.refs++
	var once sync.Once
	release := func() (err error) {
		once.Do(func() {
			backends.Lock()
			sb.refs--
			last := sb.refs == 0
			if last {
				delete(backends.shared, sb.key)
			}
			backends.Unlock()
			if last {
				err = sb.b.Close()
			}
		})
		return err
	}
	return sb.b, release, nil
}

// backendKey identifies a backend by its name and the options of its keys.
func backendKey(name string, opts map[string]string) string {
	var keys []string
	for k := range opts {
		if strings.HasPrefix(k, name+"-") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s=%s", k, opts[k])
	}
	return b.String()
}
