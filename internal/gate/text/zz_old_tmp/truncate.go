package text

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// caps bound one encoding of a JSON tree; a negative cap is no bound.
type caps struct {
	str, arr, obj, depth int
}

// TruncateJSON returns v unchanged when it is valid JSON of at most max
// bytes. Otherwise it returns a valid JSON value of at most max bytes that
// keeps the structure: long strings are shortened (ending in
// "…[cemcp: N bytes truncated]"), long arrays keep their first elements and
// end in a marker element "[cemcp: N more elements truncated]", and only
// when that is not enough are objects cut (a "cemcp_truncated" key) and
// deep values replaced by a marker. The caps are the largest that fit.
// Invalid JSON is treated as one string. The bool reports a change. A max
// below 1 cannot hold any JSON value: the result is then nil.
func TruncateJSON(v json.RawMessage, max int) (json.RawMessage, bool) {
	root, err := parseJSON(v)
	if err == nil && len(v) <= max {
		return v, false
	}
	if max < 1 {
		return nil, true
	}
	if err != nil {
		root = &jnode{kind: 's', str: string(v)}
	}
	var buf bytes.Buffer
	try := func(c caps) bool {
		buf.Reset()
		root.encodeCapped(&buf, c, 0, max)
		return buf.Len() <= max
	}
	// The ladder of string and array caps, binary-searched for the most
	// generous level that fits.
	const levels = 60
	level := func(k int) caps {
		if k >= levels {
			return caps{-1, -1, -1, -1}
		}
		f := math.Pow(1.25, float64(k))
		return caps{str: int(8 * f), arr: int(f), obj: -1, depth: -1}
	}
	if try(level(levels)) {
		return append(json.RawMessage(nil), buf.Bytes()...), true
	}
	if try(level(0)) {
		lo, hi := 0, levels-1 // level(lo) fits
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if try(level(mid)) {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		try(level(lo))
		return append(json.RawMessage(nil), buf.Bytes()...), true
	}
	for _, d := range []int{16, 8, 4, 2, 1, 0} {
		for _, o := range []int{16, 4, 1, 0} {
			if try(caps{str: 8, arr: 1, obj: o, depth: d}) {
				return append(json.RawMessage(nil), buf.Bytes()...), true
			}
		}
	}
	for _, s := range []string{`"[cemcp: value truncated]"`, `"…"`, `""`, `0`} {
		if len(s) <= max {
			return json.RawMessage(s), true
		}
	}
	return nil, true
}

// encodeCapped writes n under c. It stops early once the output exceeds
// limit, since the attempt has failed anyway.
func (n *jnode) encodeCapped(buf *bytes.Buffer, c caps, depth, limit int) {
	if buf.Len() > limit {
		return
	}
	if c.depth >= 0 && depth > c.depth && (n.kind == 'a' || n.kind == 'o') {
		writeJSONString(buf, "[cemcp: nested value truncated]")
		return
	}
	switch n.kind {
	case 's':
		s := n.str
		if c.str >= 0 && len(s) > c.str {
			cut := utf8Cut(s, c.str)
			s = s[:cut] + "…[cemcp: " + strconv.Itoa(len(n.str)-cut) + " bytes truncated]"
		}
		writeJSONString(buf, s)
	case 'l':
		buf.WriteString(n.str)
	case 'a':
		buf.WriteByte('[')
		k := len(n.vals)
		if c.arr >= 0 && k > c.arr {
			k = c.arr
		}
		for i := 0; i < k; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			n.vals[i].encodeCapped(buf, c, depth+1, limit)
			if buf.Len() > limit {
				return
			}
		}
		if k < len(n.vals) {
			if k > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, "[cemcp: "+strconv.Itoa(len(n.vals)-k)+" more elements truncated]")
		}
		buf.WriteByte(']')
	case 'o':
		buf.WriteByte('{')
		k := len(n.keys)
		if c.obj >= 0 && k > c.obj {
			k = c.obj
		}
		for i := 0; i < k; i++ {
			if i > 0 {
				buf.WriteByte(',')
			}
			key := n.keys[i]
			if c.str >= 0 && len(key) > c.str*4 {
				cut := utf8Cut(key, c.str*4)
				key = key[:cut] + "…"
			}
			writeJSONString(buf, key)
			buf.WriteByte(':')
			n.vals[i].encodeCapped(buf, c, depth+1, limit)
			if buf.Len() > limit {
				return
			}
		}
		if k < len(n.keys) {
			if k > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, "cemcp_truncated")
			buf.WriteByte(':')
			writeJSONString(buf, strconv.Itoa(len(n.keys)-k)+" more keys truncated")
		}
		buf.WriteByte('}')
	}
}

// utf8Cut returns the largest n ≤ max such that s[:n] ends on a rune
// boundary.
func utf8Cut(s string, max int) int {
	if max >= len(s) {
		return len(s)
	}
	if max <= 0 {
		return 0
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return max
}

// TruncateText returns s unchanged when it has at most max bytes. Otherwise
// it cuts s at a UTF-8 boundary and ends it with a note of how much was cut,
// the whole at most max bytes (the note is left out when max is too small
// to hold it).
func TruncateText(s string, max int) (string, bool) {
	if len(s) <= max {
		return s, false
	}
	if max <= 0 {
		return "", true
	}
	note := func(n int) string { return "\n…[cemcp: " + strconv.Itoa(n) + " bytes truncated]" }
	// The note's length depends on the count; two rounds settle it.
	cut := max - len(note(len(s)))
	if cut < 0 {
		return s[:utf8Cut(s, max)], true
	}
	cut = utf8Cut(s, cut)
	return s[:cut] + note(len(s)-cut), true
}
