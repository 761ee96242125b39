package integration

import (
	"fmt"
	"slices"
	"testing"
)

func TestPythonEcho(t *testing.T) {
	url := ws(example(t, "minimal-ws-server"))
	sizes := []string{"0", "1", "125", "126", "4095", "4096", "4097", "65535", "65536", "300000", fmt.Sprint(1 << 20)}
	res := pyCheck(t, append([]string{"echo", url}, sizes...)...)
	if res["checked"] != float64(2*len(sizes)) {
		t.Fatalf("checked %v messages", res["checked"])
	}
}

func TestPythonFragments(t *testing.T) {
	pyCheck(t, "fragments", ws(example(t, "minimal-ws-server")))
}

func TestPythonCloseCodes(t *testing.T) {
	url := ws(example(t, "minimal-ws-server"))
	tests := []struct {
		code, reason string
	}{
		{"1000", "done"},
		{"1001", "going"},
		{"4000", "app defined"},
	}
	for _, tt := range tests {
		res := pyCheck(t, "close", url, tt.code, tt.reason)
		if fmt.Sprint(res["close_code"]) != tt.code {
			t.Errorf("client closed with %s, server answered %v", tt.code, res["close_code"])
		}
	}
	if res := pyCheck(t, "bad_utf8", url); res["close_code"] != float64(1007) {
		t.Errorf("invalid UTF-8 closed with %v, want 1007", res["close_code"])
	}
	// A close the server starts: dumb-increment's "closeme\n" → 1001 "seeya".
	res := pyCheck(t, "closeme", ws(example(t, "ws-server-dumb-increment")))
	if res["close_code"] != float64(1001) || res["close_reason"] != "seeya" {
		t.Errorf("closeme: %v, want 1001 seeya", res)
	}
}

func TestPythonSubprotocols(t *testing.T) {
	url := ws(example(t, "test-server"))
	tests := []struct {
		name  string
		offer []string
		want  any // the subprotocol the server names (nil: none)
	}{
		{"default when none offered", nil, nil},
		{"named", []string{"dumb-increment-protocol"}, "dumb-increment-protocol"},
		{"first known of several", []string{"x-unknown", "dumb-increment-protocol"}, "dumb-increment-protocol"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := pyCheck(t, append([]string{"subprotocol", url}, tt.offer...)...)
			if res["subprotocol"] != tt.want || res["first"] != "0" {
				t.Fatalf("got %v", res)
			}
		})
	}
	if res := pyCheck(t, "refused", url, "x-unknown"); res["status"] != float64(400) {
		t.Fatalf("unknown subprotocol: %v, want 400", res)
	}
}

func TestPythonCompression(t *testing.T) {
	res := pyCheck(t, "compression", ws(example(t, "ws-server-pmd")))
	exts, _ := res["extensions"].([]any)
	if !slices.Contains(exts, any("permessage-deflate")) {
		t.Fatalf("extensions %v", exts)
	}
	res = pyCheck(t, "compression", ws(example(t, "minimal-ws-server")))
	if exts, _ := res["extensions"].([]any); len(exts) != 0 {
		t.Fatalf("compression negotiated on a protocol without it: %v", exts)
	}
}

func TestPythonCounter(t *testing.T) {
	res := pyCheck(t, "counter", ws(example(t, "ws-server-dumb-increment")), "5")
	nums, _ := res["numbers"].([]any)
	for i, n := range nums {
		if n != float64(i) {
			t.Fatalf("numbers %v", nums)
		}
	}
	if res["reset"] != true {
		t.Fatal("reset\\n did not restart the count")
	}
}
