package config

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// This file is a small JSON-with-comments parser that keeps the byte offset
// of every value and key, so that every problem can be reported with a line
// and a column. encoding/json cannot do that (and rejects the comments and
// trailing commas that VS Code's mcp.json allows).
//
// Accepted beyond RFC 8259: a leading UTF-8 byte order mark, // line
// comments, /* block */ comments, and one trailing comma before ] or }.
// Duplicate object keys are kept (the decoder reports them).

// kind is the JSON type of a node.
type kind int

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
)

// String names the kind as error messages do.
func (k kind) String() string {
	switch k {
	case kNull:
		return "null"
	case kBool:
		return "boolean"
	case kNumber:
		return "number"
	case kString:
		return "string"
	case kArray:
		return "array"
	case kObject:
		return "object"
	}
	return "value"
}

// node is one parsed JSON value.
type node struct {
	kind    kind
	off     int    // byte offset of the value's first byte in the input
	str     string // decoded string, or the raw text of a number
	b       bool
	elems   []*node  // kArray
	members []member // kObject, in input order
}

// member is one key/value pair of an object.
type member struct {
	key    string
	keyOff int
	val    *node
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 256

// syntaxError is a parse failure at a byte offset.
type syntaxError struct {
	off int
	msg string
	fix string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

type parser struct {
	data  []byte
	pos   int
	depth int
}

// parseJSONC parses data (JSON with comments) into a tree.
func parseJSONC(data []byte) (*node, *syntaxError) {
	p := &parser{data: data}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		p.pos = 3
	}
	if err := p.space(); err != nil {
		return nil, err
	}
	if p.pos >= len(p.data) {
		return nil, &syntaxError{off: p.pos, msg: "the file is empty", fix: `write {"mcpServers": {}}`}
	}
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if err := p.space(); err != nil {
		return nil, err
	}
	if p.pos < len(p.data) {
		return nil, &syntaxError{off: p.pos, msg: "unexpected " + p.found() + " after the end of the top-level value",
			fix: "remove it, or wrap everything in one { ... }"}
	}
	return n, nil
}

// space skips whitespace and comments.
func (p *parser) space() *syntaxError {
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; c {
		case ' ', '\t', '\n', '\r':
			p.pos++
		case '/':
			if p.pos+1 >= len(p.data) {
				return &syntaxError{off: p.pos, msg: "unexpected '/'"}
			}
			switch p.data[p.pos+1] {
			case '/':
				p.pos += 2
				for p.pos < len(p.data) && p.data[p.pos] != '\n' {
					p.pos++
				}
			case '*':
				start := p.pos
				p.pos += 2
				for {
					if p.pos+1 >= len(p.data) {
						return &syntaxError{off: start, msg: "unterminated /* comment", fix: "close it with */"}
					}
					if p.data[p.pos] == '*' && p.data[p.pos+1] == '/' {
						p.pos += 2
						break
					}
					p.pos++
				}
			default:
				return &syntaxError{off: p.pos, msg: "unexpected '/'", fix: "comments start with // or /*"}
			}
		default:
			return nil
		}
	}
	return nil
}

// found describes the input at p.pos for error messages.
func (p *parser) found() string {
	if p.pos >= len(p.data) {
		return "end of file"
	}
	r, _ := utf8.DecodeRune(p.data[p.pos:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte 0x%02x", p.data[p.pos])
	}
	return fmt.Sprintf("%q", r)
}

func (p *parser) value() (*node, *syntaxError) {
	if p.pos >= len(p.data) {
		return nil, &syntaxError{off: p.pos, msg: "unexpected end of file, expected a value"}
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		off := p.pos
		s, err := p.string()
		if err != nil {
			return nil, err
		}
		return &node{kind: kString, off: off, str: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == '\'':
		return nil, &syntaxError{off: p.pos, msg: "single-quoted string", fix: "JSON strings use double quotes"}
	default:
		off := p.pos
		word := p.word()
		switch word {
		case "true":
			return &node{kind: kBool, off: off, b: true}, nil
		case "false":
			return &node{kind: kBool, off: off}, nil
		case "null":
			return &node{kind: kNull, off: off}, nil
		case "":
			return nil, &syntaxError{off: off, msg: "expected a value, found " + p.found()}
		}
		return nil, &syntaxError{off: off, msg: fmt.Sprintf("expected a value, found %q", word),
			fix: fmt.Sprintf("put text in double quotes: %q", word)}
	}
}

// word consumes a run of identifier-like bytes (for literals and
// diagnosing unquoted text).
func (p *parser) word() string {
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '_' || c == '$' || c == '-' || c == '.' || c >= 0x80 ||
			(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') {
			p.pos++
			continue
		}
		break
	}
	if p.pos-start > 64 {
		p.pos = start + 64
	}
	return string(p.data[start:p.pos])
}

func (p *parser) enter() *syntaxError {
	p.depth++
	if p.depth > maxDepth {
		return &syntaxError{off: p.pos, msg: fmt.Sprintf("nesting deeper than %d levels", maxDepth)}
	}
	return nil
}

func (p *parser) object() (*node, *syntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &node{kind: kObject, off: p.pos}
	p.pos++ // {
	for {
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) {
			return nil, &syntaxError{off: n.off, msg: "unterminated object: no '}' matches this '{'", fix: "add the missing }"}
		}
		c := p.data[p.pos]
		if c == '}' {
			p.pos++
			return n, nil
		}
		if len(n.members) > 0 {
			if c != ',' {
				return nil, &syntaxError{off: p.pos, msg: "expected ',' or '}' after an object entry, found " + p.found(),
					fix: "add a comma between entries"}
			}
			p.pos++
			if err := p.space(); err != nil {
				return nil, err
			}
			if p.pos < len(p.data) && p.data[p.pos] == '}' { // trailing comma
				p.pos++
				return n, nil
			}
			if p.pos >= len(p.data) {
				return nil, &syntaxError{off: n.off, msg: "unterminated object: no '}' matches this '{'", fix: "add the missing }"}
			}
			c = p.data[p.pos]
		}
		keyOff := p.pos
		if c != '"' {
			if c == '\'' {
				return nil, &syntaxError{off: p.pos, msg: "single-quoted key", fix: "JSON keys use double quotes"}
			}
			if w := p.word(); w != "" {
				return nil, &syntaxError{off: keyOff, msg: fmt.Sprintf("unquoted key %s", w),
					fix: fmt.Sprintf("put the key in double quotes: %q", w)}
			}
			return nil, &syntaxError{off: p.pos, msg: "expected a key in double quotes, found " + p.found()}
		}
		key, err := p.string()
		if err != nil {
			return nil, err
		}
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, &syntaxError{off: p.pos, msg: fmt.Sprintf("expected ':' after key %q, found %s", key, p.found())}
		}
		p.pos++
		if err := p.space(); err != nil {
			return nil, err
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, keyOff: keyOff, val: v})
	}
}

func (p *parser) array() (*node, *syntaxError) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	n := &node{kind: kArray, off: p.pos}
	p.pos++ // [
	for {
		if err := p.space(); err != nil {
			return nil, err
		}
		if p.pos >= len(p.data) {
			return nil, &syntaxError{off: n.off, msg: "unterminated array: no ']' matches this '['", fix: "add the missing ]"}
		}
		if p.data[p.pos] == ']' {
			p.pos++
			return n, nil
		}
		if len(n.elems) > 0 {
			if p.data[p.pos] != ',' {
				return nil, &syntaxError{off: p.pos, msg: "expected ',' or ']' after an array element, found " + p.found(),
					fix: "add a comma between elements"}
			}
			p.pos++
			if err := p.space(); err != nil {
				return nil, err
			}
			if p.pos < len(p.data) && p.data[p.pos] == ']' { // trailing comma
				p.pos++
				return n, nil
			}
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, v)
	}
}

// string parses a double-quoted string at p.pos.
func (p *parser) string() (string, *syntaxError) {
	start := p.pos
	p.pos++ // "
	simple := true
	for {
		if p.pos >= len(p.data) {
			return "", &syntaxError{off: start, msg: "unterminated string", fix: `close it with "`}
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			raw := p.data[start:p.pos]
			if simple && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", &syntaxError{off: start, msg: "invalid escape in string", fix: `valid escapes are \" \\ \/ \b \f \n \r \t \uXXXX`}
			}
			return s, nil
		case c == '\\':
			simple = false
			p.pos += 2
		case c < 0x20:
			if c == '\n' {
				return "", &syntaxError{off: start, msg: "unterminated string (line break inside a string)", fix: `close it with " or write \n`}
			}
			return "", &syntaxError{off: p.pos, msg: fmt.Sprintf("control character 0x%02x in string", c), fix: "escape it (\\t, \\n, \\uXXXX)"}
		default:
			p.pos++
		}
	}
}

// number parses a JSON number and keeps its raw text.
func (p *parser) number() (*node, *syntaxError) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	bad := func() (*node, *syntaxError) {
		for p.pos < len(p.data) && p.pos-start < 40 {
			c := p.data[p.pos]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t' {
				break
			}
			p.pos++
		}
		txt := string(p.data[start:p.pos])
		return nil, &syntaxError{off: start, msg: fmt.Sprintf("invalid number %q", txt), fix: fmt.Sprintf("if it is text, put it in double quotes: %q", txt)}
	}
	if p.data[p.pos] == '-' {
		p.pos++
	}
	if p.pos < len(p.data) && p.data[p.pos] == '0' {
		p.pos++
	} else if digits() == 0 {
		return bad()
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return bad()
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return bad()
		}
	}
	if p.pos < len(p.data) {
		if c := p.data[p.pos]; (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' {
			return bad()
		}
	}
	return &node{kind: kNumber, off: start, str: string(p.data[start:p.pos])}, nil
}
