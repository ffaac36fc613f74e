package tooldef

import (
	"slices"
	"strings"

	"github.com/cemcp/cemcp/internal/editdist"
)

// Suggest returns the candidates closest to s (edit distance, case-folded),
// best first, at most n of them, and only plausible ones.
func Suggest(s string, candidates []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	ls := strings.ToLower(s)
	var sc []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editdist.Distance(ls, lc)
		if strings.Contains(lc, ls) && len(ls) >= 3 {
			d = min(d, 1)
		}
		if d <= max(2, len(ls)/3) {
			sc = append(sc, scored{c, d})
		}
	}
	slices.SortStableFunc(sc, func(a, b scored) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(sc) && i < n; i++ {
		out = append(out, sc[i].name)
	}
	return out
}

// DidYouMean formats Suggest's answer as a sentence fragment
// ("; did you mean X?"), or "" when nothing is close.
func DidYouMean(s string, candidates []string) string {
	sg := Suggest(s, candidates, 3)
	if len(sg) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(sg, " or ") + "?"
}
