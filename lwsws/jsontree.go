package lwsws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// node is a JSON value with the line it starts on, so configuration errors
// can name the file, line and key.
type node struct {
	line int
	val  any // string, json.Number, bool, nil, []*node, or *object
}

// object keeps a JSON object's members in order.
type object struct {
	keys []string
	vals map[string]*node
	at   map[string]int // line of each key
}

// parseJSON reads one JSON document into a tree of nodes.
func parseJSON(data []byte) (*node, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	lines := newLineIndex(data)
	n, err := readNode(d, lines)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%d: %v", lines.line(se.Offset), se)
		}
		return nil, fmt.Errorf("%d: %v", lines.line(d.InputOffset()), err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%d: unexpected data after the JSON document", lines.line(d.InputOffset()))
	}
	return n, nil
}

func readNode(d *json.Decoder, lines lineIndex) (*node, error) {
	tok, err := d.Token()
	if err != nil {
		if err == io.EOF {
			return nil, errors.New("unexpected end of JSON")
		}
		return nil, err
	}
	n := &node{line: lines.line(d.InputOffset())}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]*node{}, at: map[string]int{}}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				line := lines.line(d.InputOffset())
				if _, dup := o.vals[k]; dup {
					return nil, fmt.Errorf("key %q given twice", k)
				}
				v, err := readNode(d, lines)
				if err != nil {
					return nil, err
				}
				o.keys = append(o.keys, k)
				o.vals[k], o.at[k] = v, line
			}
			if err := closeDelim(d); err != nil {
				return nil, err
			}
			n.val = o
		case '[':
			var list []*node
			for d.More() {
				v, err := readNode(d, lines)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if err := closeDelim(d); err != nil {
				return nil, err
			}
			n.val = list
		}
	default:
		n.val = t
	}
	return n, nil
}

// closeDelim reads the '}' or ']' that ends an object or array; a document
// cut off before it is an error.
func closeDelim(d *json.Decoder) error {
	_, err := d.Token()
	if err == io.EOF {
		return errors.New("unexpected end of JSON")
	}
	return err
}

// lineIndex maps byte offsets to 1-based line numbers.
type lineIndex []int64

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, int64(i+1))
		}
	}
	return idx
}

func (li lineIndex) line(off int64) int {
	lo, hi := 0, len(li)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if li[mid] <= off {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + 1
}

// typeName describes a node's JSON type for error messages.
func (n *node) typeName() string {
	switch n.val.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	case []*node:
		return "an array"
	case *object:
		return "an object"
	}
	return "a value"
}

// scalar returns a string, number or boolean as text; lwsws writes most
// values as strings ("port": "7681"), and numbers are accepted alike.
func (n *node) scalar() (string, bool) {
	switch v := n.val.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// truthy reads lwsws's flags: "1", "yes", "on", "true" or true.
func truthy(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "on", "true":
		return true, nil
	case "0", "no", "off", "false", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a flag (use 1/0, yes/no, on/off, true/false)", s)
}
