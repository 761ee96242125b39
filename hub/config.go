package hub

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golws/lws/flow"
)

// Configuration keys read by FromConfig, as they appear in a protocol's
// per-vhost options (the lwsws "ws-protocols" options) or any other string
// map. Keys of a backend start with its name and a dash ("nats-urls"); see
// its package.
const (
	// KeyBackend chooses the backend: "local" (the default, in-process) or
	// the name of a registered one, such as "nats".
	KeyBackend = "backend"
	// KeySize is each topic's ring size (Options.Size), a positive integer.
	KeySize = "ring-size"
	// KeyPolicy is the policy for subscribers that fall behind
	// (Options.Policy): "skip", "drop" or "block" (lossless).
	KeyPolicy = "ring-policy"
)

// ParsePolicy returns the flow.Policy called s: "skip", "drop" or "block".
func ParsePolicy(s string) (flow.Policy, error) {
	for _, p := range []flow.Policy{flow.Skip, flow.Drop, flow.Block} {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("hub: unknown policy %q (want skip, drop or block)", s)
}

// FromConfig makes a hub from string options over defaults: KeySize and
// KeyPolicy override defaults.Size and defaults.Policy, and KeyBackend,
// if set to anything but "local", replaces defaults.Backend with the named
// backend made from the same options. Hubs configured with the same backend
// options share one backend (one connection, one embedded server) in the
// process; the last of them to Close closes it. Unknown keys are ignored,
// so the map may be a protocol's whole options.
func FromConfig(opts map[string]string, defaults Options) (*Hub, error) {
	o := defaults
	if s, ok := opts[KeySize]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("hub: %s %q: want a positive integer", KeySize, s)
		}
		o.Size = n
	}
	if s, ok := opts[KeyPolicy]; ok {
		p, err := ParsePolicy(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		o.Policy = p
	}
	if name := strings.TrimSpace(opts[KeyBackend]); name != "" && name != Local {
		b, release, err := sharedFor(name, opts)
		if err != nil {
			return nil, err
		}
		o.Backend, o.release = b, release
	}
	return New(o), nil
}
