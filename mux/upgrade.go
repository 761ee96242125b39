package mux

import "net/http"

// UpgradeHandler is implemented by mount handlers that take WebSocket
// upgrades themselves when HandlesUpgrades reports true (a proxy mount
// passes them to its origin). Upgrades under any other mount go to the
// vhost's protocols, so a file mount at "/" and WebSocket protocols share
// the URL space as in lws.
type UpgradeHandler interface {
	http.Handler
	HandlesUpgrades() bool
}

// upgradeMount returns the handler of the mount that takes the upgrade r,
// or nil when the vhost's protocols take it.
func (ms Mounts) upgradeMount(r *http.Request) http.Handler {
	m := ms.Match(r.URL.Path)
	if m == nil {
		return nil
	}
	if u, ok := m.Handler.(UpgradeHandler); ok && u.HandlesUpgrades() {
		return u
	}
	return nil
}
