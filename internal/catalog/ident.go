package catalog

import (
	"sort"
	"strconv"
)

// reserved holds the words that need a '_' suffix: JavaScript reserved and
// strict-mode words, TypeScript keywords and primitive type names, Python
// keywords and soft keywords, and object keys that would reach the prototype.
var reserved = map[string]bool{}

func init() {
	for _, w := range []string{
		// JavaScript (ES2023), including strict mode and future reserved words.
		"break", "case", "catch", "class", "const", "continue", "debugger",
		"default", "delete", "do", "else", "enum", "export", "extends",
		"false", "finally", "for", "function", "if", "import", "in",
		"instanceof", "new", "null", "return", "super", "switch", "this",
		"throw", "true", "try", "typeof", "var", "void", "while", "with",
		"yield", "let", "static", "implements", "interface", "package",
		"private", "protected", "public", "await", "arguments", "eval",
		"undefined", "NaN", "Infinity",
		// TypeScript keywords and primitive type names.
		"any", "as", "async", "boolean", "declare", "module", "namespace",
		"never", "readonly", "require", "number", "string", "symbol", "type",
		"from", "of", "unknown", "bigint", "object", "abstract", "infer", "is",
		"keyof", "unique", "global", "satisfies", "asserts", "accessor",
		"out", "override",
		// Python keywords and soft keywords.
		"False", "None", "True", "and", "assert", "def", "del", "elif",
		"except", "lambda", "nonlocal", "not", "or", "pass", "raise",
		"match",
		// Object keys that reach the prototype chain or shadow its methods.
		"__proto__", "constructor", "prototype", "toString", "valueOf",
		"hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable",
		"toLocaleString", "__defineGetter__", "__defineSetter__",
		"__lookupGetter__", "__lookupSetter__", "then",
	} {
		reserved[w] = true
	}
}

// IsReserved reports whether s is a word that [Identifier] suffixes.
func IsReserved(s string) bool {
	return reserved[s] || isDunder(s)
}

// isDunder reports whether s looks like a Python special name "__x__"
// (JavaScript's __proto__ is one too). A name ending in three underscores is
// not one, so suffixing '_' takes a name out of this class.
func isDunder(s string) bool {
	return len(s) >= 5 && s[:2] == "__" && s[len(s)-2:] == "__" && s[len(s)-3] != '_'
}

// IsIdentifier reports whether s is an identifier as [Identifier] produces
// them: ASCII letters, digits and '_', not starting with a digit, not
// reserved.
func IsIdentifier(s string) bool {
	if s == "" || IsReserved(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Identifier returns name as a JavaScript and Python identifier; see the
// rules above.
func Identifier(name string) string {
	if name == "" {
		return "_"
	}
	b := make([]byte, 0, len(name)+2)
	for _, r := range name {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b = append(b, byte(r))
		default:
			b = append(b, '_')
		}
	}
	if b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	s := string(b)
	if IsReserved(s) {
		s += "_"
	}
	return s
}

// ServerIdentifier is [Identifier] for a server name: it also suffixes
// "call", which is taken by the dynamic form tools.call.
func ServerIdentifier(name string) string {
	s := Identifier(name)
	if s == "call" {
		s += "_"
	}
	return s
}

// Assign maps each of names (one scope, duplicates ignored) to a distinct
// identifier made by sanitize, following the collision rule above. The
// result does not depend on the order of names.
func Assign(names []string, sanitize func(string) string) map[string]string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	out := make(map[string]string, len(sorted))
	taken := make(map[string]bool, len(sorted))
	base := make(map[string]string, len(sorted))
	for _, n := range sorted {
		base[n] = sanitize(n)
	}
	// Pass 1: names that are their own identifier keep it.
	for _, n := range sorted {
		if _, done := out[n]; done {
			continue
		}
		if base[n] == n {
			out[n] = n
			taken[n] = true
		}
	}
	// Pass 2: the first (sorted) claimant of each base gets it.
	for _, n := range sorted {
		if _, done := out[n]; done {
			continue
		}
		if !taken[base[n]] {
			out[n] = base[n]
			taken[base[n]] = true
		}
	}
	// Pass 3: everyone else gets base_2, base_3, ...
	for _, n := range sorted {
		if _, done := out[n]; done {
			continue
		}
		for i := 2; ; i++ {
			c := base[n] + "_" + strconv.Itoa(i)
			if !taken[c] {
				out[n] = c
				taken[c] = true
				break
			}
		}
	}
	return out
}
