package documents

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// step is one element of a parsed path expression.
type step struct {
	kind  byte   // 'k' key, 'i' index, '*' wildcard, '?' filter
	key   string // key, or the filter's field
	index int
	op    string // filter operator: == != > < >= <=
	value any    // filter operand (JSON literal, or a bare word as string)
}

// parsePath parses expressions like $.a.b[0], a[*].c, a.*, ["odd key"],
// a[-1] and a[?field==value].b.
func parsePath(expr string) ([]step, error) {
	s := strings.TrimSpace(expr)
	s = strings.TrimPrefix(s, "$")
	var steps []step
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == '.':
			i++
			if i < len(s) && s[i] == '*' {
				steps = append(steps, step{kind: '*'})
				i++
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("empty key at offset %d in %q", i, expr)
			}
			steps = append(steps, step{kind: 'k', key: s[i:j]})
			i = j
		case c == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("missing ] in %q", expr)
			}
			inner := strings.TrimSpace(s[i+1 : i+end])
			if strings.HasPrefix(inner, "\"") {
				// A quoted key may contain ]; find the closing quote first.
				q := i + 1 + strings.Index(s[i+1:], "\"")
				closeQ := strings.IndexByte(s[q+1:], '"')
				if closeQ < 0 {
					return nil, fmt.Errorf("unterminated quoted key in %q", expr)
				}
				closeQ += q + 1
				if closeQ+1 >= len(s) || s[closeQ+1] != ']' {
					return nil, fmt.Errorf("expected ] after quoted key in %q", expr)
				}
				steps = append(steps, step{kind: 'k', key: s[q+1 : closeQ]})
				i = closeQ + 2
				continue
			}
			i += end + 1
			switch {
			case inner == "*":
				steps = append(steps, step{kind: '*'})
			case strings.HasPrefix(inner, "?"):
				f, err := parseFilter(strings.TrimSpace(strings.TrimPrefix(inner, "?")))
				if err != nil {
					return nil, fmt.Errorf("%v in %q", err, expr)
				}
				steps = append(steps, f)
			default:
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("bad index [%s] in %q: use a number, *, \"key\" or ?field==value", inner, expr)
				}
				steps = append(steps, step{kind: 'i', index: n})
			}
		default:
			if i != 0 {
				return nil, fmt.Errorf("unexpected %q at offset %d in %q", c, i, expr)
			}
			s = "." + s // a leading bare key
		}
	}
	return steps, nil
}

func parseFilter(f string) (step, error) {
	f = strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(f, "("), ")"), "@.")
	for _, op := range []string{"==", "!=", ">=", "<=", ">", "<"} {
		if field, val, ok := strings.Cut(f, op); ok {
			field, val = strings.TrimSpace(field), strings.TrimSpace(val)
			if field == "" {
				return step{}, fmt.Errorf("filter %q has no field", f)
			}
			var v any
			if err := json.Unmarshal([]byte(val), &v); err != nil {
				v = strings.Trim(val, "'")
			}
			return step{kind: '?', key: field, op: op, value: v}, nil
		}
	}
	return step{}, fmt.Errorf("filter %q needs an operator (==, !=, >, <, >=, <=)", f)
}

// JSONMatch is one value found by json_query.
type JSONMatch struct {
	Path  string `json:"path" jsonschema:"concrete path of the value, e.g. flags[2].name"`
	Value any    `json:"value" jsonschema:"the value"`
}

// eval applies steps to v, collecting matches.
func eval(v any, at string, steps []step, out *[]JSONMatch) {
	if len(steps) == 0 {
		*out = append(*out, JSONMatch{strings.TrimPrefix(at, "."), v})
		return
	}
	st, rest := steps[0], steps[1:]
	switch st.kind {
	case 'k':
		if m, ok := v.(map[string]any); ok {
			if c, ok := m[st.key]; ok {
				eval(c, at+keyPath(st.key), rest, out)
			}
		}
	case 'i':
		if a, ok := v.([]any); ok {
			i := st.index
			if i < 0 {
				i += len(a)
			}
			if i >= 0 && i < len(a) {
				eval(a[i], fmt.Sprintf("%s[%d]", at, i), rest, out)
			}
		}
	case '*':
		switch x := v.(type) {
		case []any:
			for i, c := range x {
				eval(c, fmt.Sprintf("%s[%d]", at, i), rest, out)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				eval(x[k], at+keyPath(k), rest, out)
			}
		}
	case '?':
		if a, ok := v.([]any); ok {
			for i, c := range a {
				if m, ok := c.(map[string]any); ok && st.holds(m[st.key]) {
					eval(c, fmt.Sprintf("%s[%d]", at, i), rest, out)
				}
			}
		}
	}
}

func keyPath(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	return "." + k
}

func (st step) holds(v any) bool {
	c := compareAny(jsonNum(v), jsonNum(st.value))
	eq := fmt.Sprint(v) == fmt.Sprint(st.value)
	switch st.op {
	case "==":
		return eq
	case "!=":
		return !eq
	case ">":
		return c > 0
	case "<":
		return c < 0
	case ">=":
		return c >= 0
	case "<=":
		return c <= 0
	}
	return false
}

func jsonNum(v any) any {
	if f, ok := v.(float64); ok {
		return f
	}
	return v
}

func parseJSON(p, text string) (any, error) {
	if fileType(p) != "json" {
		return nil, fmt.Errorf("%s is not a JSON file; JSON files are under config/ (try list_files with glob *.json)", p)
	}
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	return v, nil
}

type jsonQueryIn struct {
	Path  string `json:"path" jsonschema:"JSON file path, e.g. config/app.json"`
	Query string `json:"query" jsonschema:"path expression: $ or empty for the whole document; a.b, a[0], a[-1], a[*], a.*, [\"key\"], a[?field==value] (operators == != > < >= <=)" maxLength:"500"`
}

type jsonQueryOut struct {
	Matches []JSONMatch `json:"matches" jsonschema:"matching values in document order"`
	Count   int         `json:"count" jsonschema:"number of matches"`
	Hint    string      `json:"hint,omitempty" jsonschema:"when nothing matched: the document's top-level keys"`
}

func (st *store) jsonQuery(_ context.Context, _ *mcp.CallToolRequest, in jsonQueryIn) (*mcp.CallToolResult, jsonQueryOut, error) {
	out := jsonQueryOut{Matches: []JSONMatch{}}
	p, text, err := st.read(in.Path)
	if err != nil {
		return nil, out, err
	}
	doc, err := parseJSON(p, text)
	if err != nil {
		return nil, out, err
	}
	steps, err := parsePath(in.Query)
	if err != nil {
		return nil, out, err
	}
	eval(doc, "", steps, &out.Matches)
	out.Count = len(out.Matches)
	if out.Count == 0 {
		keys := "none (not an object)"
		if m, ok := doc.(map[string]any); ok {
			var ks []string
			for k := range m {
				ks = append(ks, k)
			}
			slices.Sort(ks)
			keys = strings.Join(ks, ", ")
		}
		out.Hint = fmt.Sprintf("query %q matched nothing in %s; its top-level keys are: %s", in.Query, p, keys)
	}
	return nil, out, nil
}
