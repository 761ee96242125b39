package mux

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// FuzzChooseProtocol feeds arbitrary Sec-WebSocket-Protocol headers to the
// protocol choice: it never panics, picks the first offered name the vhost
// speaks, falls back to the default only when nothing is offered, and
// otherwise refuses with ErrUnknownProtocol.
func FuzzChooseProtocol(f *testing.F) {
	f.Add("chat, superchat")
	f.Add("")
	f.Add(" , ,")
	f.Add("lws-echo")
	f.Add("x,\x00,lws-echo")
	v := &Vhost{Name: "v", Default: "dumb-increment-protocol", Protocols: []*Protocol{
		{Name: "lws-echo"}, {Name: "dumb-increment-protocol"}, {Name: "chat"},
	}}
	f.Fuzz(func(t *testing.T, header string) {
		r := &http.Request{Header: http.Header{}}
		if header != "" {
			r.Header.Set("Sec-WebSocket-Protocol", header)
		}
		var offered []string
		for tok := range strings.SplitSeq(r.Header.Get("Sec-WebSocket-Protocol"), ",") {
			if tok = strings.TrimSpace(tok); tok != "" {
				offered = append(offered, tok)
			}
		}
		p, _, err := v.choose(r)
		if len(offered) == 0 {
			if err != nil || p.Name != v.Default {
				t.Fatalf("nothing offered: got %v, %v; want the default", p, err)
			}
			return
		}
		for _, name := range offered {
			if v.Protocol(name) != nil {
				if err != nil || p.Name != name {
					t.Fatalf("offered %q: got %v, %v; want %q", offered, p, err, name)
				}
				return
			}
		}
		if !errors.Is(err, ErrUnknownProtocol) || p != nil {
			t.Fatalf("offered only unknown %q: got %v, %v", offered, p, err)
		}
	})
}

// FuzzHostsMatch feeds arbitrary Host headers to vhost matching: it never
// panics, always answers with one of the vhosts, and a name's exact vhost
// wins whatever the port or case.
func FuzzHostsMatch(f *testing.F) {
	f.Add("cats.abc.com:1234")
	f.Add("[::1]:80")
	f.Add("ABC.COM")
	f.Add(":::")
	hs := Hosts{{Name: "default"}, {Name: "abc.com"}, {Name: "cats.abc.com"}}
	f.Fuzz(func(t *testing.T, host string) {
		v := hs.Match(host)
		if v == nil {
			t.Fatal("no vhost")
		}
		for _, want := range hs {
			if strings.EqualFold(stripPort(host), want.Name) && v != want {
				t.Fatalf("Match(%q) = %q, want exact %q", host, v.Name, want.Name)
			}
		}
	})
}
