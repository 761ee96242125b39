package lws

import (
	"fmt"

	"github.com/golws/lws/mux"
)

// CallbackMount returns a mount at path bound to the vhost's protocol named
// protocol (lws's LWSMPRO_CALLBACK): every request under path becomes a
// connection of that protocol, its session answering from its callbacks
// (see mux.Callback). NewVhost binds it; the protocol must be one of the
// vhost's Protocols.
func CallbackMount(path, protocol string) mux.Mount {
	return mux.Mount{Path: path, Handler: &mux.Callback{Protocol: protocol}}
}

// bindCallbacks returns v's mount table made from ms: a copy in which each
// callback mount without an Adopt function starts its connections through
// its protocol's VhostProtocol.Adopt.
func (v *Vhost) bindCallbacks(ms []mux.Mount) ([]mux.Mount, error) {
	out := append([]mux.Mount(nil), ms...)
	for i, m := range out {
		cb, ok := m.Handler.(*mux.Callback)
		if !ok || cb.Adopt != nil {
			continue
		}
		vp := v.Protocol(cb.Protocol)
		if vp == nil {
			return nil, fmt.Errorf("lws: vhost %q: callback mount %q names protocol %q, which the vhost does not have", v.name, m.Path, cb.Protocol)
		}
		bound := *cb
		bound.Adopt = vp.Adopt
		if bound.Logger == nil {
			bound.Logger = v.mux.Logger
		}
		out[i].Handler = &bound
	}
	return out, nil
}
