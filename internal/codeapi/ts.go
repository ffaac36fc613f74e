package codeapi

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/cemcp/cemcp/internal/catalog"
)

// TypeScript returns TypeScript declarations for tools: one namespace of
// types per server, the tools object, and the ToolError class.
func TypeScript(tools []*catalog.Tool) string {
	var b strings.Builder
	servers := build(tools)
	for _, s := range servers {
		b.WriteString("declare namespace " + s.ns + " {\n")
		for _, ta := range s.tools {
			tsNamed(&b, ta.in)
			if ta.out != nil {
				tsNamed(&b, ta.out)
			}
		}
		for _, d := range s.space.defs {
			tsNamed(&b, d)
		}
		b.WriteString("}\n")
	}
	b.WriteString("declare const tools: {\n")
	for _, s := range servers {
		b.WriteString("  " + s.jsServer + ": {\n")
		for _, ta := range s.tools {
			tsDoc(&b, "    ", toolDoc(ta))
			opt := ""
			if ta.argsOptional {
				opt = "?"
			}
			ret := "unknown"
			if ta.out != nil {
				ret = s.ns + "." + ta.out.name
			}
			b.WriteString("    " + ta.tool.JSName + "(args" + opt + ": " + s.ns + "." + ta.in.name + "): Promise<" + ret + ">;\n")
		}
		b.WriteString("  };\n")
	}
	b.WriteString(`  /** Call any tool by qualified name ("server.tool"). */
  call(name: string, args?: object): Promise<unknown>;
};
/** A tool failure. */
declare class ToolError extends Error { server: string; tool: string; code: string; }
`)
	return b.String()
}

func tsNamed(b *strings.Builder, n *named) {
	tsDoc(b, "  ", n.doc)
	if n.t.kind == kObject {
		b.WriteString("  interface " + n.name + " " + tsObject(n.t, "  ") + "\n")
		return
	}
	b.WriteString("  type " + n.name + " = " + tsExpr(n.t, "  ") + ";\n")
}

// tsDoc writes a JSDoc comment; "*/" inside the text is escaped.
func tsDoc(b *strings.Builder, ind string, doc []string) {
	lines := docLines(doc)
	if len(lines) == 0 {
		return
	}
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, "*/", "*\\/")
	}
	if one, ok := oneLineDoc(lines); ok {
		b.WriteString(ind + "/** " + one + " */\n")
		return
	}
	b.WriteString(ind + "/**\n")
	for _, l := range lines {
		if l == "" {
			b.WriteString(ind + " *\n")
		} else {
			b.WriteString(ind + " * " + l + "\n")
		}
	}
	b.WriteString(ind + " */\n")
}

// maxOneLineDoc is the longest doc comment written on one line. Declarations
// are read by a model on every describe_tools: one-line comments cost about
// a third fewer tokens than JSDoc blocks and read as well.
const maxOneLineDoc = 120

// oneLineDoc joins short doc lines into one: "number of days; min 1, max 7;
// default 2".
func oneLineDoc(lines []string) (string, bool) {
	parts := make([]string, 0, len(lines))
	for _, l := range lines {
		if l == "" || strings.HasPrefix(l, "@") {
			return "", false
		}
		l = strings.TrimPrefix(l, "Constraints: ")
		if rest, ok := strings.CutPrefix(l, "Default: "); ok {
			l = "default " + rest
		}
		parts = append(parts, strings.TrimSuffix(l, "."))
	}
	one := strings.Join(parts, "; ")
	if len(one) > maxOneLineDoc {
		return "", false
	}
	return one, true
}

var jsPropName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func tsPropName(s string) string {
	if jsPropName.MatchString(s) {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

func tsObject(t *typ, ind string) string {
	if len(t.props) == 0 && t.index == nil {
		return "{ [key: string]: never }"
	}
	var b strings.Builder
	b.WriteString("{\n")
	in := ind + "  "
	for _, p := range t.props {
		opt := ""
		if p.optional {
			opt = "?"
		}
		expr := tsExpr(p.t, in)
		// A short doc of a one-line property goes after it, as a line
		// comment: the cheapest form for the model that reads it.
		if one, ok := oneLineDoc(docLines(p.t.doc)); ok && !strings.Contains(expr, "\n") {
			line := in + tsPropName(p.name) + opt + ": " + expr + ";"
			if one != "" {
				line += " // " + strings.ReplaceAll(one, "\r", " ")
			}
			b.WriteString(line + "\n")
			continue
		}
		tsDoc(&b, in, p.t.doc)
		b.WriteString(in + tsPropName(p.name) + opt + ": " + expr + ";\n")
	}
	if t.index != nil {
		tsDoc(&b, in, t.index.doc)
		b.WriteString(in + "[key: string]: " + tsExpr(t.index, in) + ";\n")
	}
	b.WriteString(ind + "}")
	return b.String()
}

func tsExpr(t *typ, ind string) string {
	switch t.kind {
	case kNever:
		return "never"
	case kString:
		return "string"
	case kNumber, kInteger:
		return "number"
	case kBoolean:
		return "boolean"
	case kNull:
		return "null"
	case kLiteral:
		return tsLiteral(t.lit)
	case kRef:
		return t.ref
	case kObject:
		return tsObject(t, ind)
	case kArray:
		return tsArrayElem(t.elem, ind) + "[]"
	case kTuple:
		var parts []string
		for _, e := range t.elems {
			parts = append(parts, tsExpr(e, ind))
		}
		if t.elem != nil {
			parts = append(parts, "..."+tsArrayElem(t.elem, ind)+"[]")
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kUnion:
		var parts []string
		for _, a := range t.alts {
			parts = append(parts, tsExpr(a, ind))
		}
		return strings.Join(parts, " | ")
	case kIntersection:
		var parts []string
		for _, a := range t.alts {
			e := tsExpr(a, ind)
			if a.kind == kUnion {
				e = "(" + e + ")"
			}
			parts = append(parts, e)
		}
		return strings.Join(parts, " & ")
	}
	return "unknown"
}

func tsArrayElem(t *typ, ind string) string {
	e := tsExpr(t, ind)
	if t.kind == kUnion || t.kind == kIntersection || strings.HasPrefix(e, "-") {
		return "(" + e + ")"
	}
	return e
}

func tsLiteral(v any) string {
	switch v := v.(type) {
	case string:
		q, _ := json.Marshal(v)
		return string(q)
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	}
	return "null"
}
