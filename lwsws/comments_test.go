package lwsws

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestStripComments(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"whole line", "# c\n{}", "   \n{}"},
		{"after whitespace", "{\n   # c\n}", "{\n      \n}"},
		{"after a value", `{"a": "1", # c` + "\n}", `{"a": "1",    ` + "\n}"},
		{"inside a string", `{"a": "x#y"}`, `{"a": "x#y"}`},
		{"escaped quote", `{"a": "x\"#y"} # c`, `{"a": "x\"#y"}    `},
		{"crlf kept", "# c\r\n{}", "   \r\n{}"},
		{"no comment", `{"a": 1}`, `{"a": 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(stripComments([]byte(tt.in))); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzStripComments checks that stripping keeps every byte's offset and
// line, is idempotent, leaves comment-free JSON alone, and never leaves a
// '#' outside a string of valid JSON.
func FuzzStripComments(f *testing.F) {
	for _, s := range []string{"# c\n{}", `{"a": "x#y", # c` + "\n\"b\": [1]}", `"\"#"`, "{\"a\\\n#\": 1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out := stripComments(data)
		if len(out) != len(data) || bytes.Count(out, []byte("\n")) != bytes.Count(data, []byte("\n")) {
			t.Fatalf("%q became %q", data, out)
		}
		for i := range data {
			if (data[i] == '\n') != (out[i] == '\n') {
				t.Fatalf("line end moved at %d", i)
			}
		}
		if again := stripComments(out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q, %q", out, again)
		}
		if !bytes.Contains(data, []byte("#")) && !bytes.Equal(out, data) {
			t.Fatalf("changed comment-free input %q", data)
		}
		if json.Valid(out) {
			var v any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
		}
	})
}
