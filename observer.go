package lws

import (
	"github.com/golws/lws/conn"
	"github.com/golws/lws/mux"
)

// Observer instruments a Server or a vhost (Options.Observer,
// VhostOptions.Observer): package github.com/golws/lws/metrics implements
// it with Prometheus metrics. The core has no dependency on any metrics
// library.
//
// Its mux.Observer methods are told of every HTTP response of the vhost (by
// mount) and of every refused or failed WebSocket upgrade.
type Observer interface {
	mux.Observer
	// ConnObserver returns the observer of the connections of the protocol
	// named protocol on the vhost named vhost (WebSocket, raw, adopted,
	// UDP, callback-mount and client connections alike), or nil for none.
	// It is called once per binding, when the vhost is made, so an
	// implementation can resolve its labels there rather than per event.
	ConnObserver(vhost, protocol string) conn.Observer
}

// connObserver is the conn.Observer of protocol on v, or nil.
func (v *Vhost) connObserver(protocol string) conn.Observer {
	if v.obs == nil {
		return nil
	}
	return v.obs.ConnObserver(v.name, protocol)
}
