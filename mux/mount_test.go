package mux

import "testing"

func TestMountsMatch(t *testing.T) {
	ms := Mounts{{Path: "/"}, {Path: "/ziptest"}, {Path: "/ziptest/deep"}, {Path: "/formtest"}}
	tests := []struct{ path, want string }{
		{"/", "/"},
		{"/index.html", "/"},
		{"/ziptest", "/ziptest"},
		{"/ziptest/candide.html", "/ziptest"},
		{"/ziptestx", "/"},
		{"/ziptest/deep/x", "/ziptest/deep"},
		{"/formtest?x=1", "/"}, // the query is not part of the path
		{"/formtest/upload", "/formtest"},
	}
	for _, tt := range tests {
		if got := ms.Match(tt.path); got == nil || got.Path != tt.want {
			t.Errorf("Match(%q) = %v, want %q", tt.path, got, tt.want)
		}
	}
	if (Mounts{{Path: "/a"}}).Match("/b") != nil {
		t.Error("matched outside every mount")
	}
}
