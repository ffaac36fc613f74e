package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// NeutralizeJSON applies [Neutralize] to every string of a JSON value,
// object keys included, and returns a valid JSON value of the same shape
// (key order kept). Matches carry the JSON path of their string in Where
// ("$.items[2].note"; a key's path ends in "#key"); their offsets are into
// that string. A value that is not valid JSON is treated as one string and
// comes back as a JSON string. v comes back unchanged (the same bytes) when
// nothing matched.
func NeutralizeJSON(v json.RawMessage, source string) (json.RawMessage, []Match) {
	root, err := parseJSON(v)
	if err != nil {
		t, found := Neutralize(string(v), source)
		if len(found) == 0 && len(v) == 0 {
			return json.RawMessage(`""`), nil
		}
		b, _ := json.Marshal(t)
		return b, found
	}
	var ms []Match
	apply := func(path, s string) string {
		t, found := Neutralize(s, source)
		for i := range found {
			found[i].Where = path
		}
		ms = append(ms, found...)
		return t
	}
	root.walkStrings("$", apply)
	if len(ms) == 0 {
		return v, nil
	}
	var buf bytes.Buffer
	buf.Grow(len(v))
	root.encode(&buf)
	return buf.Bytes(), ms
}

// jnode is a JSON value with object key order kept.
type jnode struct {
	kind byte   // 'o' object, 'a' array, 's' string, 'l' literal (number, true, false, null)
	str  string // string value, or the literal's text
	keys []string
	vals []*jnode
}

var errTrailing = errors.New("more than one JSON value")

// parseJSON decodes one JSON value without recursion in the decoder.
func parseJSON(v []byte) (*jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var stack []*jnode
	var pendingKey []bool // per object on the stack: a key was read, value pending
	var root *jnode
	add := func(n *jnode) error {
		if len(stack) == 0 {
			if root != nil {
				return errTrailing
			}
			root = n
			return nil
		}
		top := stack[len(stack)-1]
		top.vals = append(top.vals, n)
		if top.kind == 'o' {
			pendingKey[len(pendingKey)-1] = false
		}
		return nil
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(stack) == 0 && root != nil {
			return nil, errTrailing
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				n := &jnode{kind: 'a'}
				if t == '{' {
					n.kind = 'o'
				}
				if err := add(n); err != nil {
					return nil, err
				}
				stack = append(stack, n)
				pendingKey = append(pendingKey, false)
			default:
				stack = stack[:len(stack)-1]
				pendingKey = pendingKey[:len(pendingKey)-1]
			}
		case string:
			if len(stack) > 0 && stack[len(stack)-1].kind == 'o' && !pendingKey[len(pendingKey)-1] {
				top := stack[len(stack)-1]
				top.keys = append(top.keys, t)
				pendingKey[len(pendingKey)-1] = true
				continue
			}
			if err := add(&jnode{kind: 's', str: t}); err != nil {
				return nil, err
			}
		case json.Number:
			if err := add(&jnode{kind: 'l', str: t.String()}); err != nil {
				return nil, err
			}
		case bool:
			if err := add(&jnode{kind: 'l', str: strconv.FormatBool(t)}); err != nil {
				return nil, err
			}
		case nil:
			if err := add(&jnode{kind: 'l', str: "null"}); err != nil {
				return nil, err
			}
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, errors.New("incomplete JSON value")
	}
	return root, nil
}

// walkStrings replaces every string and key of n by fn(path, s).
func (n *jnode) walkStrings(path string, fn func(path, s string) string) {
	switch n.kind {
	case 's':
		n.str = fn(path, n.str)
	case 'a':
		for i, c := range n.vals {
			c.walkStrings(path+"["+strconv.Itoa(i)+"]", fn)
		}
	case 'o':
		for i, k := range n.keys {
			p := path + "." + k
			n.keys[i] = fn(p+"#key", k)
			n.vals[i].walkStrings(p, fn)
		}
	}
}

func (n *jnode) encode(buf *bytes.Buffer) {
	switch n.kind {
	case 's':
		writeJSONString(buf, n.str)
	case 'l':
		buf.WriteString(n.str)
	case 'a':
		buf.WriteByte('[')
		for i, c := range n.vals {
			if i > 0 {
				buf.WriteByte(',')
			}
			c.encode(buf)
		}
		buf.WriteByte(']')
	case 'o':
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k)
			buf.WriteByte(':')
			n.vals[i].encode(buf)
		}
		buf.WriteByte('}')
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}
