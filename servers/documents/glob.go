package documents

import (
	"fmt"
	"path"
	"strings"
)

// checkGlob reports a malformed glob pattern.
func checkGlob(g string) error {
	for _, seg := range strings.Split(g, "/") {
		if seg == "**" {
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("invalid glob %q: %v; examples: data/*.csv, **/*.md, *2024*", g, err)
		}
	}
	return nil
}

// globMatch matches a slash-separated path against a glob. "**" matches any
// number of whole segments; other segments use path.Match. A pattern without
// a slash matches the file name at any depth, so "*.csv" finds every CSV.
func globMatch(g, p string) bool {
	if !strings.Contains(g, "/") && g != "**" {
		ok, _ := path.Match(g, path.Base(p))
		return ok
	}
	return matchSegs(strings.Split(g, "/"), strings.Split(p, "/"))
}

func matchSegs(gs, ps []string) bool {
	for len(gs) > 0 {
		if gs[0] == "**" {
			for len(gs) > 1 && gs[1] == "**" {
				gs = gs[1:]
			}
			for i := 0; i <= len(ps); i++ {
				if matchSegs(gs[1:], ps[i:]) {
					return true
				}
			}
			return false
		}
		if len(ps) == 0 {
			return false
		}
		if ok, _ := path.Match(gs[0], ps[0]); !ok {
			return false
		}
		gs, ps = gs[1:], ps[1:]
	}
	return len(ps) == 0
}
