package mux

import "testing"

func TestHostsMatch(t *testing.T) {
	hs := Hosts{{Name: "default"}, {Name: "abc.com"}, {Name: "cats.abc.com"}, {Name: "example.org"}}
	tests := []struct {
		host, want string
	}{
		{"abc.com", "abc.com"},
		{"abc.com:1234", "abc.com"},
		{"ABC.com", "abc.com"},
		{"cats.abc.com:1234", "cats.abc.com"},
		{"big.cats.abc.com", "cats.abc.com"},
		{"dogs.abc.com", "abc.com"},
		{"xabc.com", "default"},
		{"example.org", "example.org"},
		{"unknown", "default"},
		{"", "default"},
		{"[::1]:7681", "default"},
		{"127.0.0.1:7681", "default"},
	}
	for _, tt := range tests {
		if got := hs.Match(tt.host); got.Name != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.host, got.Name, tt.want)
		}
	}
	if (Hosts{}).Match("x") != nil {
		t.Error("empty Hosts matched a vhost")
	}
}
