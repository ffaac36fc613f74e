package codeapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Limits against hostile schemas. Past a limit the generator degrades to a
// looser type (unknown / Any) with a doc line saying so; it never fails.
const (
	maxDepth      = 24   // nesting of schemas (properties, items, combinators, refs)
	maxNodes      = 4000 // schema nodes converted per tool root (input or output)
	maxEnum       = 64   // enum values rendered as a literal union
	maxAlts       = 64   // anyOf/oneOf/allOf/type-array members
	maxProps      = 256  // properties per object
	maxDocRunes   = 1000 // runes per description
	maxDecodeNest = 128  // JSON nesting kept when decoding a schema
)

// omap is a JSON object that keeps its key order.
type omap struct {
	keys []string
	vals map[string]any
}

func (m *omap) get(k string) (any, bool) {
	if m == nil {
		return nil, false
	}
	v, ok := m.vals[k]
	return v, ok
}

func (m *omap) str(k string) string {
	v, _ := m.get(k)
	s, _ := v.(string)
	return s
}

// decodeOrdered decodes JSON into omap, []any, string, json.Number, bool and
// nil, keeping object key order. Values nested deeper than maxDecodeNest are
// dropped (nil).
func decodeOrdered(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("trailing data after schema")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := &omap{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if _, dup := m.vals[k]; !dup {
					m.keys = append(m.keys, k)
				}
				m.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if depth > maxDecodeNest {
				return nil, nil
			}
			return m, nil
		case '[':
			var a []any
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if depth > maxDecodeNest {
				return nil, nil
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return tok, nil
	}
}

// canonical renders a decoded value as compact JSON with sorted keys.
func canonical(v any) string {
	var b strings.Builder
	writeCanon(&b, v)
	return b.String()
}

func writeCanon(b *strings.Builder, v any) {
	switch v := v.(type) {
	case *omap:
		keys := append([]string(nil), v.keys...)
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			writeCanon(b, v.vals[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanon(b, e)
		}
		b.WriteByte(']')
	case string:
		writeJSONString(b, v)
	case json.Number:
		b.WriteString(v.String())
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default:
		b.WriteString("null")
	}
}

func writeJSONString(b *strings.Builder, s string) {
	j, _ := json.Marshal(s) // a string always marshals
	b.Write(j)
}

// kind is the shape of a converted type.
type kind int

const (
	kUnknown kind = iota
	kNever
	kString
	kNumber
	kInteger
	kBoolean
	kNull
	kLiteral
	kObject
	kArray
	kTuple
	kUnion
	kIntersection
	kRef
)

// typ is a schema converted to a small type model that both renderers
// (TypeScript and Python) read.
type typ struct {
	kind  kind
	lit   any     // kLiteral: string, json.Number, bool or nil (null)
	props []*prop // kObject
	index *typ    // kObject: index signature value type, nil for none
	elem  *typ    // kArray element; kTuple rest element (nil for none)
	elems []*typ  // kTuple
	alts  []*typ  // kUnion, kIntersection
	ref   string  // kRef: name of a named type in the namespace
	doc   []string
}

type prop struct {
	name     string
	optional bool
	t        *typ
}

var unknownT = &typ{kind: kUnknown}

// named is a named type of a namespace: a $defs entry or a tool's input or
// output.
type named struct {
	name string
	t    *typ
	doc  []string
}

// scope hands out distinct names within one namespace.
type scope struct {
	taken map[string]bool
}

func newScope(reserved ...string) *scope {
	s := &scope{taken: map[string]bool{}}
	for _, r := range reserved {
		s.taken[r] = true
	}
	return s
}

// alloc returns base, or base2, base3, ... whichever is free, and takes it.
func (s *scope) alloc(base string) string {
	name := base
	for i := 2; s.taken[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	s.taken[name] = true
	return name
}

// namespace collects the named types of one server.
type namespace struct {
	scope *scope
	defs  []*named          // in creation order
	byKey map[string]string // dedup key of a $defs entry → its name
}

func newNamespace() *namespace {
	return &namespace{scope: newScope(), byKey: map[string]string{}}
}

// converter converts one root schema (a tool's input or output).
type converter struct {
	ns       *namespace
	root     any
	rootName string            // the named type of the root, for "$ref": "#"
	refNames map[string]string // JSON pointer → named type
	nodes    int
	defsKey  string // canonical text of the root's $defs and definitions
}

func newConverter(ns *namespace, root any, rootName string) *converter {
	c := &converter{ns: ns, root: root, rootName: rootName, refNames: map[string]string{}}
	if m, ok := root.(*omap); ok {
		d1, _ := m.get("$defs")
		d2, _ := m.get("definitions")
		c.defsKey = canonical([]any{d1, d2})
	}
	return c
}

func (c *converter) convert(s any, depth int) *typ {
	c.nodes++
	if depth > maxDepth || c.nodes > maxNodes {
		return &typ{kind: kUnknown, doc: []string{"(Schema too deep or too large: not expanded.)"}}
	}
	switch s := s.(type) {
	case bool:
		if s {
			return unknownT
		}
		return &typ{kind: kNever}
	case *omap:
		return c.convertObject(s, depth)
	default:
		return unknownT
	}
}

func (c *converter) convertObject(s *omap, depth int) *typ {
	doc := schemaDoc(s)
	t := c.convertBody(s, depth)
	if nullable, _ := s.get("nullable"); nullable == true {
		t = union([]*typ{t, {kind: kNull}})
	}
	if len(doc) > 0 {
		cp := *t
		cp.doc = append(doc, t.doc...)
		t = &cp
	}
	return t
}

func (c *converter) convertBody(s *omap, depth int) *typ {
	if ref := s.str("$ref"); ref != "" {
		return c.convertRef(ref, depth)
	}
	if v, ok := s.get("const"); ok {
		return literal(v)
	}
	if v, ok := s.get("enum"); ok {
		vals, _ := v.([]any)
		if len(vals) == 0 {
			return unknownT
		}
		if len(vals) > maxEnum {
			base := c.convertTyped(s, depth)
			cp := *base
			cp.doc = append(cp.doc, fmt.Sprintf("One of %d values (too many to list), e.g. %s.", len(vals), exampleList(vals[:3])))
			return &cp
		}
		alts := make([]*typ, len(vals))
		for i, v := range vals {
			alts[i] = literal(v)
		}
		return union(alts)
	}
	var parts []*typ
	if hasTypeInfo(s) {
		parts = append(parts, c.convertTyped(s, depth))
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if v, ok := s.get(k); ok {
			if alts := c.convertList(v, depth); len(alts) > 0 {
				parts = append(parts, union(alts))
			}
		}
	}
	if v, ok := s.get("allOf"); ok {
		if alts := c.convertList(v, depth); len(alts) > 0 {
			parts = append(parts, intersection(alts))
		}
	}
	if len(parts) == 0 {
		return unknownT
	}
	return intersection(parts)
}

func (c *converter) convertList(v any, depth int) []*typ {
	list, _ := v.([]any)
	if len(list) > maxAlts {
		list = list[:maxAlts]
	}
	var out []*typ
	for _, e := range list {
		out = append(out, c.convert(e, depth+1))
	}
	return out
}

func hasTypeInfo(s *omap) bool {
	for _, k := range []string{"type", "properties", "items", "prefixItems", "additionalProperties", "patternProperties"} {
		if _, ok := s.get(k); ok {
			return true
		}
	}
	return false
}

// convertTyped converts the "type" of s with its object and array keywords.
func (c *converter) convertTyped(s *omap, depth int) *typ {
	tv, _ := s.get("type")
	var types []string
	switch tv := tv.(type) {
	case string:
		types = []string{tv}
	case []any:
		for _, e := range tv {
			if str, ok := e.(string); ok && len(types) < maxAlts {
				types = append(types, str)
			}
		}
	}
	if len(types) == 0 {
		switch {
		case has(s, "properties") || has(s, "additionalProperties") || has(s, "patternProperties"):
			types = []string{"object"}
		case has(s, "items") || has(s, "prefixItems"):
			types = []string{"array"}
		default:
			return unknownT
		}
	}
	var alts []*typ
	for _, tn := range types {
		switch tn {
		case "string":
			alts = append(alts, &typ{kind: kString})
		case "number":
			alts = append(alts, &typ{kind: kNumber})
		case "integer":
			alts = append(alts, &typ{kind: kInteger})
		case "boolean":
			alts = append(alts, &typ{kind: kBoolean})
		case "null":
			alts = append(alts, &typ{kind: kNull})
		case "object":
			alts = append(alts, c.convertObjectType(s, depth))
		case "array":
			alts = append(alts, c.convertArray(s, depth))
		default:
			alts = append(alts, unknownT)
		}
	}
	return union(alts)
}

func has(s *omap, k string) bool {
	_, ok := s.get(k)
	return ok
}

func (c *converter) convertObjectType(s *omap, depth int) *typ {
	t := &typ{kind: kObject}
	required := map[string]bool{}
	if r, ok := s.get("required"); ok {
		list, _ := r.([]any)
		for _, e := range list {
			if str, ok := e.(string); ok {
				required[str] = true
			}
		}
	}
	props, _ := s.get("properties")
	if pm, ok := props.(*omap); ok {
		for i, k := range pm.keys {
			if i >= maxProps {
				t.doc = append(t.doc, fmt.Sprintf("(%d more properties not listed.)", len(pm.keys)-maxProps))
				t.index = unknownT
				break
			}
			t.props = append(t.props, &prop{name: k, optional: !required[k], t: c.convert(pm.vals[k], depth+1)})
		}
	}
	ap, hasAP := s.get("additionalProperties")
	_, hasPP := s.get("patternProperties")
	switch {
	case t.index != nil:
	case hasAP && ap != false && ap != true:
		at := c.convert(ap, depth+1)
		if len(t.props) == 0 {
			t.index = at
		} else {
			t.index = unknownT
		}
	case len(t.props) == 0 && ap != false:
		t.index = unknownT
	case hasPP && ap != false:
		t.index = unknownT
	}
	return t
}

func (c *converter) convertArray(s *omap, depth int) *typ {
	items, hasItems := s.get("items")
	prefix, hasPrefix := s.get("prefixItems")
	if !hasPrefix {
		if list, ok := items.([]any); ok { // draft 4-7 tuple form
			prefix, hasPrefix = list, true
			items, hasItems = s.get("additionalItems")
		}
	}
	if hasPrefix {
		list, _ := prefix.([]any)
		t := &typ{kind: kTuple, elems: c.convertList(list, depth)}
		if hasItems && items != false {
			t.elem = c.convert(items, depth+1)
		}
		return t
	}
	if !hasItems {
		return &typ{kind: kArray, elem: unknownT}
	}
	return &typ{kind: kArray, elem: c.convert(items, depth+1)}
}

// convertRef resolves a local $ref: "#" is the root, "#/$defs/X" and
// "#/definitions/X" become named types (which makes recursion safe), any
// other local pointer is inlined (bounded by maxDepth), anything else is
// unknown.
func (c *converter) convertRef(ref string, depth int) *typ {
	if ref == "#" {
		if c.rootName == "" {
			return unknownT
		}
		return &typ{kind: kRef, ref: c.rootName}
	}
	if name, ok := c.refNames[ref]; ok {
		return &typ{kind: kRef, ref: name}
	}
	target, ok := resolvePointer(c.root, ref)
	if !ok {
		return &typ{kind: kUnknown, doc: []string{"(Unresolved $ref " + ref + ".)"}}
	}
	defName := ""
	for _, p := range []string{"#/$defs/", "#/definitions/"} {
		if rest, ok := strings.CutPrefix(ref, p); ok && !strings.Contains(rest, "/") {
			defName = unescapePointer(rest)
		}
	}
	if defName == "" {
		return c.convert(target, depth+1)
	}
	key := c.defsKey + "|" + ref
	if name, ok := c.ns.byKey[key]; ok {
		c.refNames[ref] = name
		return &typ{kind: kRef, ref: name}
	}
	name := c.ns.scope.alloc(pascal(defName))
	c.ns.byKey[key] = name
	c.refNames[ref] = name
	n := &named{name: name}
	c.ns.defs = append(c.ns.defs, n)
	n.t = c.convert(target, depth+1)
	n.doc, n.t = n.t.doc, withoutDoc(n.t)
	return &typ{kind: kRef, ref: name}
}

func withoutDoc(t *typ) *typ {
	cp := *t
	cp.doc = nil
	return &cp
}

func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

func resolvePointer(root any, ref string) (any, bool) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, false
	}
	cur := root
	for _, part := range strings.Split(rest, "/") {
		part = unescapePointer(part)
		switch v := cur.(type) {
		case *omap:
			next, ok := v.get(part)
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func literal(v any) *typ {
	switch v.(type) {
	case string, json.Number, bool, nil:
		return &typ{kind: kLiteral, lit: v}
	}
	return &typ{kind: kUnknown, doc: []string{"Constant: " + clip(canonical(v), 200) + "."}}
}

// union builds a union, flattening nested unions, dropping duplicates and
// never, and collapsing to unknown when a member is unknown.
func union(alts []*typ) *typ {
	var out []*typ
	seen := map[string]bool{}
	var doc []string
	for _, a := range alts {
		if a.kind == kUnknown {
			return &typ{kind: kUnknown, doc: a.doc}
		}
		members := []*typ{a}
		if a.kind == kUnion {
			members = a.alts
		}
		for _, m := range members {
			if m.kind == kNever {
				continue
			}
			k := typeKey(m)
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, m)
		}
		if a.kind == kUnion {
			doc = append(doc, a.doc...)
		}
	}
	switch len(out) {
	case 0:
		return &typ{kind: kNever}
	case 1:
		return out[0]
	}
	return &typ{kind: kUnion, alts: out, doc: doc}
}

// intersection builds an intersection, dropping unknown members.
func intersection(alts []*typ) *typ {
	var out []*typ
	var doc []string
	for _, a := range alts {
		if a.kind == kUnknown {
			doc = append(doc, a.doc...)
			continue
		}
		if a.kind == kIntersection {
			out = append(out, a.alts...)
			continue
		}
		out = append(out, a)
	}
	switch len(out) {
	case 0:
		return &typ{kind: kUnknown, doc: doc}
	case 1:
		if len(doc) == 0 {
			return out[0]
		}
		cp := *out[0]
		cp.doc = append(append([]string(nil), cp.doc...), doc...)
		return &cp
	}
	return &typ{kind: kIntersection, alts: out, doc: doc}
}

// typeKey identifies a type for deduplicating union members.
func typeKey(t *typ) string {
	switch t.kind {
	case kLiteral:
		return "lit:" + canonical(t.lit)
	case kRef:
		return "ref:" + t.ref
	case kString, kNumber, kInteger, kBoolean, kNull:
		return fmt.Sprint("prim:", int(t.kind))
	}
	return fmt.Sprintf("ptr:%p", t)
}

// schemaDoc collects the doc lines of a schema: description (or title),
// then format, bounds, pattern, default, examples and deprecation.
func schemaDoc(s *omap) []string {
	var doc []string
	if d := s.str("description"); d != "" {
		doc = append(doc, clip(d, maxDocRunes))
	} else if t := s.str("title"); t != "" {
		doc = append(doc, clip(t, maxDocRunes))
	}
	if f := s.str("format"); f != "" {
		doc = append(doc, "Format: "+clip(f, 100)+".")
	}
	var bounds []string
	for _, kv := range [][2]string{
		{"minimum", "min"}, {"exclusiveMinimum", "exclusive min"}, {"maximum", "max"}, {"exclusiveMaximum", "exclusive max"},
		{"minLength", "min length"}, {"maxLength", "max length"}, {"minItems", "min items"}, {"maxItems", "max items"},
		{"multipleOf", "multiple of"},
	} {
		if v, ok := s.get(kv[0]); ok {
			if n, ok := v.(json.Number); ok {
				bounds = append(bounds, kv[1]+" "+clip(n.String(), 40))
			}
		}
	}
	if len(bounds) > 0 {
		doc = append(doc, "Constraints: "+strings.Join(bounds, ", ")+".")
	}
	if p := s.str("pattern"); p != "" {
		doc = append(doc, "Pattern: "+clip(p, 200))
	}
	if v, ok := s.get("default"); ok {
		doc = append(doc, "Default: "+clip(canonical(v), 200)+".")
	}
	if v, ok := s.get("examples"); ok {
		if list, ok := v.([]any); ok && len(list) > 0 {
			doc = append(doc, "Examples: "+exampleList(list)+".")
		}
	}
	if v, _ := s.get("deprecated"); v == true {
		doc = append(doc, "@deprecated")
	}
	return doc
}

func exampleList(vals []any) string {
	var parts []string
	for i, v := range vals {
		if i == 5 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, clip(canonical(v), 80))
	}
	return strings.Join(parts, ", ")
}

// clip shortens s to n runes, adding an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
