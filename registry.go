package lws

import (
	"fmt"
	"sort"
	"sync"
)

// Plugins: protocols registered by name, usually from an init function, so
// that hand-written programs and configured servers use the same code.
var (
	pluginsMu sync.RWMutex
	plugins   = map[string]*Protocol{}
)

// Register makes p available by name to Plugin. It panics if p has no name
// or a protocol of that name is already registered: a mistake found at
// start-up, not at the first connection.
func Register(p *Protocol) {
	pluginsMu.Lock()
	defer pluginsMu.Unlock()
	if p == nil || p.Name == "" || p.NewSession == nil {
		panic("lws: Register of a protocol without a Name or NewSession")
	}
	if _, dup := plugins[p.Name]; dup {
		panic(fmt.Sprintf("lws: Register called twice for protocol %q", p.Name))
	}
	plugins[p.Name] = p
}

// Plugin returns the registered protocol named name, or nil.
func Plugin(name string) *Protocol {
	pluginsMu.RLock()
	defer pluginsMu.RUnlock()
	return plugins[name]
}

// Plugins lists the names of the registered protocols, sorted.
func Plugins() []string {
	pluginsMu.RLock()
	defer pluginsMu.RUnlock()
	names := make([]string, 0, len(plugins))
	for n := range plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
