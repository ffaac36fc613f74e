// Package editdist measures how far apart two short strings are, for the
// "did you mean" hints of configuration errors, tool arguments and tool
// names. It imports nothing, so the confined runner can link it.
package editdist

// MaxRunes bounds the strings compared: longer ones are not typos of
// anything, and the cost is quadratic.
const MaxRunes = 256

// Far is what Distance returns for strings longer than MaxRunes.
const Far = 1 << 20

// Distance is the Levenshtein distance between a and b, in runes, or Far
// when either is longer than MaxRunes runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > MaxRunes || len(rb) > MaxRunes {
		return Far
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
