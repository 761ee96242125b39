package daemon

import (
	"errors"
	"os"
	"testing"
)

func TestCredentialsResolve(t *testing.T) {
	tests := []struct {
		name     string
		c        Credentials
		uid, gid int
		fails    bool
	}{
		{"nothing", Credentials{}, -1, -1, false},
		{"numbers", Credentials{UID: 48, GID: 49}, 48, 49, false},
		{"user and its group", Credentials{Username: "root"}, 0, 0, false},
		{"names win", Credentials{UID: 48, GID: 48, Username: "root", Groupname: "root"}, 0, 0, false},
		{"gid kept beside a user", Credentials{GID: 7, Username: "root"}, 0, 7, false},
		{"unknown user", Credentials{Username: "no-such-user-golws"}, 0, 0, true},
		{"unknown group", Credentials{Groupname: "no-such-group-golws"}, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uid, gid, err := tt.c.Resolve()
			if (err != nil) != tt.fails || (err == nil && (uid != tt.uid || gid != tt.gid)) {
				t.Fatalf("got %d %d %v", uid, gid, err)
			}
		})
	}
}

func TestDropPrivilegesToOwnIDsIsNoOp(t *testing.T) {
	if err := DropPrivileges(-1, -1); err != nil {
		t.Fatal(err)
	}
	if err := DropPrivileges(os.Getuid(), os.Getgid()); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		if err := DropPrivileges(os.Getuid()+1, -1); !errors.Is(err, ErrNotRoot) {
			t.Fatalf("got %v", err)
		}
	}
}
