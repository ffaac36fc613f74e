// Package static is the analysis that gate.Pre runs on a program before
// anything executes: it parses the program (JavaScript from package
// transpile with goja's parser; Python with CPython's ast module in a
// subprocess), denies constructs that synthesize capabilities no tool grants
// (eval, the Function constructor, constructor chains, imports, decode-then-
// run), flags encoded blobs, and lists the tools the program references so
// that policy can be checked before the run.
//
// The model that wrote the program is assumed compromised, so the rules are
// written against an adversary; the sandbox does not provide these
// capabilities either, and this package is the layer in front of it that
// turns an attempt into precise feedback ("line 12: eval is not allowed;
// call the tool directly: await tools.x.y({...})") instead of a run-time
// failure. A benign program must get no deny finding: testdata holds a
// corpus of benign programs as a guard.
//
// # JavaScript rules
//
//   - eval: any reference to eval, globalThis.eval and the like,
//     setTimeout/setInterval with a string;
//   - function-constructor: any reference to Function other than
//     `x instanceof Function`;
//   - constructor: `.constructor` of a function (literal or declared), of a
//     `.constructor`, or used other than read (`.name`, `.prototype`),
//     compared or tested with typeof; destructuring a `constructor` key;
//   - reflection: computed access on the global object with a non-constant
//     key, passing the global object around, `__proto__` and the legacy
//     accessor methods;
//   - dynamic-import, import: import(), require();
//   - with: with statements;
//   - decode-then-run: a value from atob, Buffer.from(..., "base64"|"hex"),
//     String.fromCharCode, unescape, decodeURI(Component) passed to a
//     function other than a tool, console, JSON, Math or a data method, or
//     used as a computed property name;
//   - high-entropy (flag): string literals of at least 200 characters with
//     Shannon entropy ≥ 4.5 bits per character, or base64/hex blobs of at
//     least 256 characters; a deny when such a literal is decoded;
//   - unknown-tool: tools.s.t or tools.call("s.t") naming no known tool,
//     with a did-you-mean suggestion when the resolver can list tools.
//
// Values are followed through variables within the program (not through
// function parameters or object properties): the analysis is a fast
// syntactic check, not a proof. What it cannot see, the sandbox still
// refuses (Function and the async and generator constructors are sealed in
// the engine).
package static

import (
	"sort"
	"strings"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/editdist"
)

// Finding is one result of the analysis.
type Finding struct {
	// Rule names the rule: "eval", "function-constructor", "constructor",
	// "dynamic-import", "import", "with", "decode-then-run",
	// "high-entropy", "unknown-tool", "python-exec", "python-import",
	// "reflection", "parse".
	Rule string
	// Line and Col locate the finding in the user's program (1-based).
	Line, Col int
	// Message is feedback for the model: what is wrong and what to do.
	Message string
	// Deny is true when the run is refused, false when it is only flagged.
	Deny bool
}

// Report is the result of analyzing one program.
type Report struct {
	Findings []Finding
	// Tools lists the qualified names of the tools the program references
	// statically, sorted and without duplicates.
	Tools []string
	// DynamicCalls is true when the program calls tools.call with a name
	// that is not a literal, or indexes tools with a computed key: the set
	// of tools it calls cannot be known before it runs.
	DynamicCalls bool
}

// Denied reports whether any finding refuses the run.
func (r Report) Denied() bool {
	for _, f := range r.Findings {
		if f.Deny {
			return true
		}
	}
	return false
}

// Resolver maps the tool names a program uses to catalog entries.
type Resolver interface {
	// ResolveJS resolves the code-API identifiers of tools.<jsServer>.<jsName>.
	ResolveJS(jsServer, jsName string) (qualified string, ok bool)
	// Exists reports whether a qualified name ("server.tool") is a tool.
	Exists(qualified string) bool
}

// ToolName is one tool's names, for did-you-mean suggestions.
type ToolName struct {
	Qualified, JSServer, JSName string
}

// Lister is implemented by a Resolver that can list its tools; the
// analysis then suggests the closest name for an unknown tool.
type Lister interface {
	ToolNames() []ToolName
}

// FromCatalog returns a Resolver (and Lister) over a catalog.
func FromCatalog(c *catalog.Catalog) Resolver { return catalogResolver{c} }

type catalogResolver struct{ c *catalog.Catalog }

var (
	_ Resolver = catalogResolver{}
	_ Lister   = catalogResolver{}
)

func (r catalogResolver) ResolveJS(s, t string) (string, bool) {
	tool, ok := r.c.LookupJS(s, t)
	if !ok {
		return "", false
	}
	return tool.Qualified, true
}

func (r catalogResolver) Exists(q string) bool {
	_, ok := r.c.Lookup(q)
	return ok
}

func (r catalogResolver) ToolNames() []ToolName {
	tools := r.c.Tools()
	out := make([]ToolName, len(tools))
	for i, t := range tools {
		out[i] = ToolName{Qualified: t.Qualified, JSServer: t.JSServer, JSName: t.JSName}
	}
	return out
}

// sortFindings orders findings by position, deny first on ties, and drops
// exact duplicates.
func sortFindings(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].Line != fs[j].Line {
			return fs[i].Line < fs[j].Line
		}
		if fs[i].Col != fs[j].Col {
			return fs[i].Col < fs[j].Col
		}
		return fs[i].Deny && !fs[j].Deny
	})
	out := fs[:0]
	for i, f := range fs {
		if i > 0 && f == fs[i-1] {
			continue
		}
		out = append(out, f)
	}
	return out
}

func uniqueSorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// suggest returns the closest known tool name to want, in the form the
// program used (js: "tools.s.t"; otherwise the qualified name), or "".
func suggest(r Resolver, want string, js bool) string {
	l, ok := r.(Lister)
	if !ok {
		return ""
	}
	best, bestD := "", 1<<30
	lw := strings.ToLower(want)
	for _, n := range l.ToolNames() {
		cand := n.Qualified
		if js {
			cand = n.JSServer + "." + n.JSName
		}
		d := editdist.Distance(lw, strings.ToLower(cand))
		if d < bestD || d == bestD && cand < best {
			best, bestD = cand, d
		}
	}
	limit := max(2, len(want)/3)
	if best == "" || bestD > limit {
		return ""
	}
	return best
}
