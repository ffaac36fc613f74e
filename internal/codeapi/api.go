// Package codeapi generates the code API that programs in the sandbox see:
// TypeScript declarations (and Python stubs of the same shape) built from the
// tools' input and output JSON Schemas, with their docs, plus the one-line
// summaries that search_tools returns.
//
// # Shape
//
// Every server is a namespace holding the named types of its tools
// (<Tool>Input, <Tool>Output in PascalCase, and one named type per $defs or
// definitions entry); the global tools object has one member per server with
// one method per tool, named by catalog.Tool.JSServer and JSName, plus the
// dynamic form tools.call("server.tool", args). A tool without an output
// schema returns Promise<unknown> (Python: Any).
//
// # Schemas
//
// Supported: object (properties, required, additionalProperties and
// patternProperties as an index signature), array (items; tuples through
// prefixItems or the draft-07 items array), enum and const (literal types),
// string, number, integer (number), boolean, null, type arrays, nullable,
// anyOf/oneOf (unions), allOf (intersections), and local $ref: "#" (the root),
// "#/$defs/X" and "#/definitions/X" become named types (so recursion is
// safe; identical definitions shared by several tools of a server are
// emitted once), other local pointers are inlined. Descriptions, title,
// format, bounds, pattern, default, examples and deprecated become doc lines.
//
// # Hostile schemas
//
// Generation never fails and never hangs: nesting deeper than 24 schemas,
// more than 4000 schema nodes per input or output, more than 64 enum values,
// 64 union members or 256 properties degrade to a looser type with a doc line
// saying so; descriptions are cut at 1000 runes. Doc text cannot end a
// comment ("*/" is escaped) or a Python docstring (quotes and backslashes are
// escaped), and control characters are dropped. Names that are not
// identifiers are quoted as property names.
package codeapi

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/cemcp/cemcp/internal/catalog"
)

// globalNames may not be used as namespace names: they are the globals of
// the generated code (both languages) and the built-ins it references.
var globalNames = []string{
	"tools", "ToolError", "Promise", "Error", "Object", "Array", "String", "Number",
	"Boolean", "Symbol", "globalThis", "console", "Exception", "TypedDict", "Any",
	"Literal", "NotRequired", "annotations", "dict", "list", "tuple", "str", "int",
	"float", "bool", "typing", "None", "True", "False", "_Tools",
}

// localReserved may not be used as type names inside a namespace.
var localReserved = []string{"True", "False", "None", "TypedDict", "Any", "Literal", "NotRequired"}

// serverAPI is the model of one server's part of the API.
type serverAPI struct {
	jsServer string // member of the tools object
	server   string // original name
	ns       string // namespace / Python class name
	space    *namespace
	tools    []*toolAPI
}

type toolAPI struct {
	tool         *catalog.Tool
	in           *named
	out          *named // nil: no output schema
	argsOptional bool
}

// build converts the tools into the model, grouped by server in JSServer
// order, tools in JSName order.
func build(tools []*catalog.Tool) []*serverAPI {
	byServer := map[string]*serverAPI{}
	var order []string
	for _, t := range tools {
		if t == nil {
			continue
		}
		s, ok := byServer[t.JSServer]
		if !ok {
			s = &serverAPI{jsServer: t.JSServer, server: t.Server}
			byServer[t.JSServer] = s
			order = append(order, t.JSServer)
		}
		s.tools = append(s.tools, &toolAPI{tool: t})
	}
	sort.Strings(order)
	nsScope := newScope(globalNames...)
	var out []*serverAPI
	for _, js := range order {
		s := byServer[js]
		s.ns = nsScope.alloc(safeIdent(js))
		sort.SliceStable(s.tools, func(i, j int) bool { return s.tools[i].tool.JSName < s.tools[j].tool.JSName })
		s.space = newNamespace()
		for _, r := range localReserved {
			s.space.scope.taken[r] = true
		}
		// Tool type names first, so $defs never take them.
		names := make([][2]string, len(s.tools))
		for i, ta := range s.tools {
			base := pascal(ta.tool.JSName)
			for n := 1; ; n++ {
				b := base
				if n > 1 {
					b = fmt.Sprint(base, n)
				}
				if !s.space.scope.taken[b+"Input"] && !s.space.scope.taken[b+"Output"] {
					names[i] = [2]string{s.space.scope.alloc(b + "Input"), s.space.scope.alloc(b + "Output")}
					break
				}
			}
		}
		for i, ta := range s.tools {
			buildTool(s, ta, names[i][0], names[i][1])
		}
		out = append(out, s)
	}
	return out
}

func buildTool(s *serverAPI, ta *toolAPI, inName, outName string) {
	t := ta.tool
	ta.in = &named{name: inName}
	root, err := decodeOrdered(t.InputSchema)
	var it *typ
	if err != nil {
		it = &typ{kind: kObject, index: unknownT, doc: []string{"(The input schema is not valid JSON.)"}}
	} else {
		it = newConverter(s.space, root, inName).convert(root, 0)
	}
	if it.kind == kUnknown { // "{}" or unusable: any object
		it = &typ{kind: kObject, index: unknownT, doc: it.doc}
	}
	ta.in.doc = append([]string{"Input of " + t.Qualified + "."}, it.doc...)
	ta.in.t = withoutDoc(it)
	ta.argsOptional = it.kind == kObject && !anyRequired(it)

	if len(t.OutputSchema) == 0 {
		return
	}
	ta.out = &named{name: outName}
	root, err = decodeOrdered(t.OutputSchema)
	var ot *typ
	if err != nil {
		ot = &typ{kind: kUnknown, doc: []string{"(The output schema is not valid JSON.)"}}
	} else {
		ot = newConverter(s.space, root, outName).convert(root, 0)
	}
	ta.out.doc = append([]string{"Output of " + t.Qualified + "."}, ot.doc...)
	ta.out.t = withoutDoc(ot)
}

func anyRequired(t *typ) bool {
	for _, p := range t.props {
		if !p.optional {
			return true
		}
	}
	return false
}

// toolDoc is the doc of a tool's method: title, description, annotations as
// tags, and notes.
func toolDoc(ta *toolAPI) []string {
	t := ta.tool
	var doc []string
	title := t.Title
	if title == "" && t.Annotations != nil {
		title = t.Annotations.Title
	}
	if title != "" {
		doc = append(doc, clip(title, 200))
	}
	if t.Description != "" {
		if len(doc) > 0 {
			doc = append(doc, "")
		}
		doc = append(doc, clip(t.Description, 4*maxDocRunes))
	}
	if t.Server+"."+t.Name != t.JSServer+"."+t.JSName {
		doc = append(doc, "Upstream tool: "+t.Qualified+".")
	}
	if ta.out == nil {
		doc = append(doc, "The server declares no output schema: the result is the parsed JSON text of the reply, or the text itself.")
	}
	if a := t.Annotations; a != nil {
		if a.ReadOnlyHint {
			doc = append(doc, "@readonly")
		} else {
			if a.DestructiveHint == nil || *a.DestructiveHint {
				doc = append(doc, "@destructive")
			}
			if a.IdempotentHint {
				doc = append(doc, "@idempotent")
			}
		}
		if a.OpenWorldHint == nil || *a.OpenWorldHint {
			doc = append(doc, "@openWorld")
		}
	}
	return doc
}

// pascal makes a PascalCase ASCII type name from an identifier or any name.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if up {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(r)
			}
			up = false
		default:
			up = true
		}
	}
	out := b.String()
	if out == "" {
		return "T"
	}
	if out[0] >= '0' && out[0] <= '9' {
		return "T" + out
	}
	return out
}

// safeIdent guards against a JSServer that is not an identifier (the
// catalog should never produce one).
func safeIdent(s string) string {
	if catalog.IsIdentifier(s) {
		return s
	}
	return catalog.Identifier(s)
}

// docLines turns doc text into clean lines: split at line breaks, control
// and format characters (bidi overrides, zero-width) dropped, trailing space
// trimmed.
func docLines(texts []string) []string {
	var out []string
	for _, t := range texts {
		t = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n").Replace(t)
		for _, line := range strings.Split(t, "\n") {
			line = strings.Map(func(r rune) rune {
				if r == '\t' {
					return ' '
				}
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					return -1
				}
				return r
			}, line)
			out = append(out, strings.TrimRightFunc(line, unicode.IsSpace))
		}
	}
	// Trim leading and trailing blank lines and collapse runs of blanks.
	var clean []string
	for _, l := range out {
		if l == "" && (len(clean) == 0 || clean[len(clean)-1] == "") {
			continue
		}
		clean = append(clean, l)
	}
	for len(clean) > 0 && clean[len(clean)-1] == "" {
		clean = clean[:len(clean)-1]
	}
	return clean
}
