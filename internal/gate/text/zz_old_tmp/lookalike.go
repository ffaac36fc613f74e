package text

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// skeleton maps a name to a form in which names that look alike are equal:
// NFKC, invisible characters dropped, Cyrillic and Greek look-alikes mapped
// to Latin, '-', '_', '.' and spaces removed, lower case, and the classic
// visual pairs folded (0→o, 1/I/|→l, rn→m, vv→w).
func skeleton(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if isInvisible(r) {
			continue
		}
		switch r {
		case '-', '_', '.', ' ':
			continue
		case '0':
			r = 'o'
		case '1', 'I', '|':
			r = 'l'
		}
		if c, ok := confusables[r]; ok {
			r = c
		}
		b.WriteRune(unicode.ToLower(r))
	}
	t := b.String()
	t = strings.ReplaceAll(t, "rn", "m")
	t = strings.ReplaceAll(t, "vv", "w")
	return t
}

// LookAlike reports whether a and b are different names that a reader (or
// a model) could take for each other: equal after folding homoglyphs
// (Cyrillic and Greek look-alikes, full-width forms), separators ('-', '_',
// '.') and case; or, when both are at least 5 characters long, one edit
// (insertion, deletion, substitution or transposition) apart after that
// folding. Identical names are not look-alikes (they collide).
func LookAlike(a, b string) bool {
	if a == b {
		return false
	}
	sa, sb := skeleton(a), skeleton(b)
	if sa == sb {
		return true
	}
	ra, rb := []rune(sa), []rune(sb)
	if len(ra) < 5 || len(rb) < 5 {
		return false
	}
	return withinOneEdit(ra, rb)
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or adjacent transposition.
func withinOneEdit(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true
	}
	if len(a) == len(b) {
		if string(a[i+1:]) == string(b[i+1:]) {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:])
	}
	return string(a[i:]) == string(b[i+1:]) // insertion into a
}
