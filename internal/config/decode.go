package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// decoder walks the parsed tree, fills a Config and records problems.
type decoder struct {
	problems
	lookup func(string) (string, bool)
	// clineTimeout names the servers whose entry set "timeout".
	clineTimeout map[string]bool
}

// child is the key path of member k of the object at path.
func child(path, k string) string {
	plain := k != ""
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '-' || c == '$' || c == '*' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(k) + "]"
	case path == "":
		return k
	}
	return path + "." + k
}

// index is the key path of element i of the array at path.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// article returns want with "a"/"an" for messages.
func article(k kind) string {
	switch k {
	case kArray, kObject:
		return "an " + k.String()
	case kNull:
		return "null"
	}
	return "a " + k.String()
}

// rawText is n as the user wrote it, for fixes.
func rawText(n *node) string {
	switch n.kind {
	case kNumber, kString:
		return n.str
	case kBool:
		return strconv.FormatBool(n.b)
	}
	return n.kind.String()
}

// typeErr reports that n at path is not of the wanted type.
func (d *decoder) typeErr(n *node, path, want, fix string) {
	d.add(n.off, path, fmt.Sprintf("expected %s, got %s", want, n.kind), fix)
}

// fields checks that n is an object and returns its members by key.
// Duplicate keys, keys not in known and (unless ignored) are reported;
// members whose value is null are treated as absent.
func (d *decoder) fields(n *node, path string, known, ignored []string) map[string]*node {
	if n.kind != kObject {
		d.typeErr(n, path, "an object", "write {...} with keys: "+strings.Join(known, ", "))
		return nil
	}
	out := make(map[string]*node, len(n.members))
	seen := make(map[string]bool, len(n.members))
	for _, m := range n.members {
		kp := child(path, m.key)
		if seen[m.key] {
			d.add(m.keyOff, kp, "duplicate key", "remove one of the two entries")
			continue
		}
		seen[m.key] = true
		if contains(ignored, m.key) {
			continue
		}
		if !contains(known, m.key) {
			d.add(m.keyOff, kp, "unknown key", unknownKeyFix(m.key, known))
			continue
		}
		if m.val.kind == kNull {
			continue
		}
		out[m.key] = m.val
	}
	return out
}

// entries checks that n is an object and returns its members, reporting
// duplicate keys. Used for maps keyed by user-chosen names.
func (d *decoder) entries(n *node, path, what string) []member {
	if n.kind != kObject {
		d.typeErr(n, path, "an object", "write {\"NAME\": "+what+", ...}")
		return nil
	}
	out := make([]member, 0, len(n.members))
	seen := make(map[string]bool, len(n.members))
	for _, m := range n.members {
		if seen[m.key] {
			d.add(m.keyOff, child(path, m.key), "duplicate key", "remove one of the two entries")
			continue
		}
		seen[m.key] = true
		out = append(out, m)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str reads a string.
func (d *decoder) str(n *node, path string) (string, bool) {
	if n.kind == kString {
		return n.str, true
	}
	fix := ""
	switch n.kind {
	case kNumber, kBool:
		fix = fmt.Sprintf("write it in quotes: %q", rawText(n))
	case kArray:
		if len(n.elems) == 1 && n.elems[0].kind == kString {
			fix = fmt.Sprintf("write a single string: %q", n.elems[0].str)
		}
	}
	d.typeErr(n, path, "a string", fix)
	return "", false
}

// oneOf reads a string that must be one of allowed.
func (d *decoder) oneOf(n *node, path string, allowed ...string) (string, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	if contains(allowed, s) {
		return s, true
	}
	fix := "use one of: " + quoteList(allowed)
	if g := suggest(s, allowed); g != "" {
		fix = fmt.Sprintf("did you mean %q? %s", g, fix)
	}
	d.add(n.off, path, fmt.Sprintf("invalid value %q", s), fix)
	return "", false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// boolean reads true or false.
func (d *decoder) boolean(n *node, path string) (bool, bool) {
	if n.kind == kBool {
		return n.b, true
	}
	fix := "write true or false"
	if n.kind == kString && (n.str == "true" || n.str == "false") {
		fix = "remove the quotes: " + n.str
	}
	d.typeErr(n, path, "true or false", fix)
	return false, false
}

// integer reads a whole number in [lo, hi].
func (d *decoder) integer(n *node, path string, lo, hi int64) (int64, bool) {
	rng := fmt.Sprintf("use a whole number from %d to %d", lo, hi)
	if n.kind != kNumber {
		fix := rng
		if n.kind == kString {
			if _, err := strconv.ParseFloat(strings.TrimSpace(n.str), 64); err == nil {
				fix = "remove the quotes: " + strings.TrimSpace(n.str)
			}
		}
		d.typeErr(n, path, "a number", fix)
		return 0, false
	}
	v, err := strconv.ParseInt(n.str, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(n.str, 64)
		switch {
		case ferr == nil && f == math.Trunc(f) && f >= float64(lo) && f <= float64(hi):
			v = int64(f)
		case ferr == nil && f != math.Trunc(f) && !math.IsInf(f, 0):
			d.add(n.off, path, fmt.Sprintf("expected a whole number, got %s", n.str), rng)
			return 0, false
		default:
			d.add(n.off, path, fmt.Sprintf("%s is out of range", n.str), rng)
			return 0, false
		}
	}
	if v < lo || v > hi {
		d.add(n.off, path, fmt.Sprintf("%d is out of range", v), rng)
		return 0, false
	}
	return v, true
}

// strList reads an array of strings.
func (d *decoder) strList(n *node, path string) ([]string, bool) {
	if n.kind != kArray {
		fix := `write a list: ["..."]`
		if n.kind == kString {
			parts := strings.Fields(n.str)
			if len(parts) == 0 {
				parts = []string{n.str}
			}
			fix = "write a list of strings: [" + quoteList(parts) + "]"
		}
		d.typeErr(n, path, "an array of strings", fix)
		return nil, false
	}
	out := make([]string, 0, len(n.elems))
	ok := true
	for i, e := range n.elems {
		s, good := d.str(e, index(path, i))
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// strMap reads an object whose values are strings. keyCheck, when not
// nil, validates each key and returns a problem message and fix.
func (d *decoder) strMap(n *node, path, what string, keyCheck func(string) (string, string)) (map[string]string, bool) {
	if n.kind == kArray {
		// ["A=1", "B=2"] is a common way to write environments elsewhere.
		var pairs []string
		for _, e := range n.elems {
			k, v, ok := strings.Cut(e.str, "=")
			if e.kind != kString || !ok || k == "" {
				pairs = nil
				break
			}
			pairs = append(pairs, fmt.Sprintf("%q: %q", k, v))
		}
		if len(pairs) > 0 {
			d.typeErr(n, path, "an object", "write {"+strings.Join(pairs, ", ")+"}")
			return nil, false
		}
	}
	ms := d.entries(n, path, what)
	if ms == nil && n.kind != kObject {
		return nil, false
	}
	out := make(map[string]string, len(ms))
	ok := true
	for _, m := range ms {
		kp := child(path, m.key)
		if keyCheck != nil {
			if msg, fix := keyCheck(m.key); msg != "" {
				d.add(m.keyOff, kp, msg, fix)
				ok = false
				continue
			}
		}
		s, good := d.str(m.val, kp)
		if !good {
			ok = false
			continue
		}
		out[m.key] = s
	}
	return out, ok
}

// expand substitutes ${VAR} references in s (the value of n at path).
// With quiet set, problems are not reported and the text is kept as is.
// It reports whether every reference resolved.
func (d *decoder) expand(n *node, path, s string, quiet bool) (string, bool) {
	out, probs := expandVars(s, d.lookup)
	if !quiet {
		for _, p := range probs {
			d.add(n.off, path, p.msg, p.fix)
		}
	}
	return out, len(probs) == 0
}

// home expands a leading ~ in a path.
func (d *decoder) home(n *node, path, s string, quiet bool) string {
	if s != "~" && !strings.HasPrefix(s, "~/") {
		return s
	}
	h, ok := d.lookup("HOME")
	if !ok || h == "" {
		h, ok = d.lookup("USERPROFILE")
	}
	if !ok || h == "" {
		if !quiet {
			d.add(n.off, path, "cannot expand ~: HOME is not set", "write the full path")
		}
		return s
	}
	return strings.TrimSuffix(h, "/") + s[1:]
}
