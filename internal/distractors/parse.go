package distractors

import (
	"fmt"
	"regexp"
	"strings"
)

// domain is one API family of the catalog.
type domain struct {
	Name      string // server name stem, e.g. github
	Title     string // e.g. GitHub
	Scope     string // the scoping argument every tool takes, e.g. repo
	ScopeDesc string
	Resources []resource
}

type resource struct {
	Name   string // singular snake_case, e.g. pull_request
	Plural string
	Fields []field
}

type field struct {
	Name string
	Type string   // s, i, n, b, d, m, u, t, e
	Enum []string // for e
}

var ident = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// parseDomain parses one catalog line (see catalog).
func parseDomain(line string) (domain, error) {
	parts := strings.SplitN(line, "|", 4)
	if len(parts) != 4 {
		return domain{}, fmt.Errorf("domain line needs name|Title|scope:desc|resources, got %d parts", len(parts))
	}
	d := domain{Name: strings.TrimSpace(parts[0]), Title: strings.TrimSpace(parts[1])}
	if !ident.MatchString(d.Name) || d.Title == "" {
		return domain{}, fmt.Errorf("bad domain name %q or title %q", d.Name, d.Title)
	}
	scope, desc, ok := strings.Cut(parts[2], ":")
	d.Scope, d.ScopeDesc = strings.TrimSpace(scope), strings.TrimSpace(desc)
	if !ok || !ident.MatchString(d.Scope) || d.ScopeDesc == "" {
		return domain{}, fmt.Errorf("domain %s: bad scope %q", d.Name, parts[2])
	}
	seen := map[string]bool{}
	for _, rs := range strings.Split(parts[3], ";") {
		name, fs, ok := strings.Cut(rs, ":")
		name = strings.TrimSpace(name)
		if !ok || !ident.MatchString(name) {
			return domain{}, fmt.Errorf("domain %s: bad resource %q", d.Name, rs)
		}
		if seen[name] {
			return domain{}, fmt.Errorf("domain %s: resource %s twice", d.Name, name)
		}
		seen[name] = true
		r := resource{Name: name, Plural: plural(name)}
		fseen := map[string]bool{"id": true, "url": true, "created_by": true, "relevance": true, "version": true}
		for _, f := range splitFields(fs) {
			fn, ft, ok := strings.Cut(f, ":")
			fn, ft = strings.TrimSpace(fn), strings.TrimSpace(ft)
			if !ok || !ident.MatchString(fn) {
				return domain{}, fmt.Errorf("domain %s, resource %s: bad field %q", d.Name, name, f)
			}
			if fseen[fn] {
				return domain{}, fmt.Errorf("domain %s, resource %s: field %s twice or reserved", d.Name, name, fn)
			}
			fseen[fn] = true
			fl := field{Name: fn, Type: ft}
			switch {
			case len(ft) == 1 && strings.Contains("sinbdmut", ft):
			case strings.HasPrefix(ft, "e(") && strings.HasSuffix(ft, ")") && len(ft) > 3:
				fl.Type = "e"
				for _, v := range strings.Split(ft[2:len(ft)-1], "|") {
					if v = strings.TrimSpace(v); v == "" {
						return domain{}, fmt.Errorf("domain %s, field %s: empty enum value", d.Name, fn)
					}
					fl.Enum = append(fl.Enum, v)
				}
			default:
				return domain{}, fmt.Errorf("domain %s, field %s: unknown type %q", d.Name, fn, ft)
			}
			r.Fields = append(r.Fields, fl)
		}
		if len(r.Fields) < 2 {
			return domain{}, fmt.Errorf("domain %s, resource %s: needs at least 2 fields", d.Name, name)
		}
		d.Resources = append(d.Resources, r)
	}
	return d, nil
}

// splitFields splits on commas outside enum parentheses.
func splitFields(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "sh"), strings.HasSuffix(s, "ch"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// human turns snake_case into words.
func human(s string) string { return strings.ReplaceAll(s, "_", " ") }
