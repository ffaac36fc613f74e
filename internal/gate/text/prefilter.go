package text

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"
)

// Prefilter: running every rule's regexp over every window costs
// milliseconds per 10 KB, because Go's regexp has no literal prefilter for
// patterns such as `\b(ignore|disregard|...)`. Instead, each rule's pattern
// is analysed once for the literals every match must start with (and
// whether a word boundary precedes them). One pass over a window finds the
// positions where some rule's start literal occurs; the rule's regexp then
// runs anchored at those positions only, in order, which gives exactly the
// matches of FindAllStringIndex on the window (leftmost-first, no overlap):
// a match can only start at a candidate, and the anchored regexp sees the
// rune before the candidate, so `\b` and `^` behave as in the window.
//
// A rule whose pattern has no finite set of start literals keeps the full
// search (none of the built-in rules; a test checks that).

// maxPrefix bounds the length of a start literal, and maxPrefixes the
// size of a rule's set while it is being built.
const (
	maxPrefix   = 6
	maxPrefixes = 2048
	maxClass    = 16
)

// wbMark stands for a word-boundary assertion inside a literal while the
// sets are built.
const wbMark = "\x00"

// prefix is a literal every match (of a part of a pattern) may start
// with; exact means the match is exactly s, so a concatenation may extend
// it.
type prefix struct {
	s     string
	exact bool
}

// startLiterals returns the literals that every match of re at a position
// other than 0 starts with; wbMark marks a `\b` before the literal. ok is
// false when some match may start with anything.
func startLiterals(re *syntax.Regexp) (lits []string, ok bool) {
	seen := map[string]bool{}
	for _, p := range analyse(re) {
		s := p.s
		// Keep a leading wbMark; cut at any later one.
		lead := ""
		if strings.HasPrefix(s, wbMark) {
			lead = wbMark
			s = strings.TrimLeft(s, wbMark)
		}
		if i := strings.Index(s, wbMark); i >= 0 {
			s = s[:i]
		}
		if s == "" {
			return nil, false
		}
		if len(s) > maxPrefix {
			cut := maxPrefix
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
			if cut == 0 {
				cut = len(s)
			}
			s = s[:cut]
		}
		seen[lead+s] = true
	}
	for s := range seen {
		lits = append(lits, s)
	}
	sort.Strings(lits)
	return lits, true
}

var anything = []prefix{{"", false}}

func exactly(ss ...string) []prefix {
	out := make([]prefix, len(ss))
	for i, s := range ss {
		out[i] = prefix{s, true}
	}
	return out
}

// analyse returns the prefixes of the matches of re (that start after
// position 0).
func analyse(re *syntax.Regexp) []prefix {
	switch re.Op {
	case syntax.OpNoMatch:
		return nil
	case syntax.OpEmptyMatch, syntax.OpEndLine, syntax.OpEndText, syntax.OpNoWordBoundary:
		return exactly("")
	case syntax.OpWordBoundary:
		return exactly(wbMark)
	case syntax.OpBeginLine, syntax.OpBeginText:
		// Only at position 0 of the window (the text has no newlines
		// inside a window and no rule uses (?m)); position 0 is always
		// tried.
		return nil
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return anything
		}
		return exactly(string(re.Rune))
	case syntax.OpCharClass:
		n := 0
		for i := 0; i < len(re.Rune); i += 2 {
			n += int(re.Rune[i+1]-re.Rune[i]) + 1
		}
		if n > maxClass {
			return anything
		}
		var out []string
		for i := 0; i < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, string(r))
			}
		}
		return exactly(out...)
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpStar:
		return anything
	case syntax.OpPlus:
		return inexact(analyse(re.Sub[0]))
	case syntax.OpQuest:
		return append(analyse(re.Sub[0]), prefix{"", true})
	case syntax.OpRepeat:
		if re.Min == 0 {
			return anything
		}
		ps := analyse(re.Sub[0])
		if re.Min == 1 && re.Max == 1 {
			return ps
		}
		return inexact(ps)
	case syntax.OpAlternate:
		var out []prefix
		for _, sub := range re.Sub {
			out = append(out, analyse(sub)...)
		}
		return out
	case syntax.OpConcat:
		cur := exactly("")
		for _, sub := range re.Sub {
			if !extendable(cur) {
				return inexact(cur)
			}
			ps := analyse(sub)
			if len(cur)*len(ps) > maxPrefixes {
				return inexact(cur)
			}
			next := make([]prefix, 0, len(cur)*len(ps))
			for _, a := range cur {
				if !a.exact || len(a.s)-strings.Count(a.s, wbMark) >= maxPrefix {
					next = append(next, prefix{a.s, false})
					continue
				}
				for _, b := range ps {
					next = append(next, prefix{a.s + b.s, b.exact})
				}
			}
			cur = next
		}
		return cur
	}
	// AnyChar, AnyCharNotNL and anything new: no constraint.
	return anything
}

func inexact(ps []prefix) []prefix {
	out := make([]prefix, len(ps))
	for i, p := range ps {
		out[i] = prefix{p.s, false}
	}
	return out
}

// extendable reports whether some prefix in ps is exact and shorter than
// maxPrefix (not counting marks).
func extendable(ps []prefix) bool {
	for _, p := range ps {
		if p.exact && len(p.s)-strings.Count(p.s, wbMark) < maxPrefix {
			return true
		}
	}
	return false
}

// anchoredRule holds the compiled forms of one rule for the prefilter.
type anchoredRule struct {
	// at0 matches at the start of the window, atN after its first rune
	// (the rune before the candidate, for `\b`).
	at0, atN *regexp.Regexp
	// full is set when the rule has no start literals: search everywhere.
	full bool
}

// entry is one start literal: the rules (bit i for rule i) whose matches
// may start with it.
type entry struct {
	lit  string
	mask uint64
}

// literalIndex finds the candidate positions of a window.
type literalIndex struct {
	// single[c]: rules with a one-byte literal c, no boundary needed;
	// singleWB the same after a word boundary.
	single, singleWB [256]uint64
	// pair[c0<<8|c1] indexes lists (0: none) of longer literals starting
	// with c0 c1; pairWB the same for literals after a word boundary.
	pair, pairWB [1 << 16]uint16
	lists        [][]entry
	// begin: rules that may match at position 0 only through `^`, and
	// full: rules without start literals (always tried).
	begin, full uint64
}

type candidate struct {
	pos  int
	mask uint64
}

// buildIndex analyses rules; it panics on a pattern it cannot parse (the
// patterns are constants).
func buildIndex(rules []rule) (*literalIndex, []anchoredRule) {
	if len(rules) > 64 {
		panic("text: more than 64 injection rules")
	}
	ix := &literalIndex{lists: [][]entry{nil}}
	ars := make([]anchoredRule, len(rules))
	type item struct {
		lit  string
		wb   bool
		mask uint64
	}
	var items []item
	for i, r := range rules {
		src := r.re.String()
		ars[i].at0 = regexp.MustCompile(`^(?:` + src + `)`)
		ars[i].atN = regexp.MustCompile(`^(?s:.)(?:` + src + `)`)
		re, err := syntax.Parse(src, syntax.Perl)
		if err != nil {
			panic(err)
		}
		bit := uint64(1) << i
		ix.begin |= bit // position 0 is always tried
		lits, ok := startLiterals(re.Simplify())
		if !ok {
			ars[i].full = true
			ix.full |= bit
			continue
		}
		for _, l := range lits {
			wb := strings.HasPrefix(l, wbMark)
			items = append(items, item{strings.TrimPrefix(l, wbMark), wb, bit})
		}
	}
	// Merge literals that another literal is a prefix of, when that
	// literal's position condition is no stronger.
	sort.Slice(items, func(a, b int) bool {
		if len(items[a].lit) != len(items[b].lit) {
			return len(items[a].lit) < len(items[b].lit)
		}
		return items[a].lit < items[b].lit
	})
	var kept []item
	for _, it := range items {
		merged := false
		for k := range kept {
			if strings.HasPrefix(it.lit, kept[k].lit) && (!kept[k].wb || it.wb) {
				kept[k].mask |= it.mask
				merged = true
				break
			}
		}
		if !merged {
			kept = append(kept, it)
		}
	}
	for _, it := range kept {
		if len(it.lit) == 1 {
			if it.wb {
				ix.singleWB[it.lit[0]] |= it.mask
			} else {
				ix.single[it.lit[0]] |= it.mask
			}
			continue
		}
		tab := &ix.pair
		if it.wb {
			tab = &ix.pairWB
		}
		k := uint16(it.lit[0])<<8 | uint16(it.lit[1])
		if tab[k] == 0 {
			tab[k] = uint16(len(ix.lists))
			ix.lists = append(ix.lists, nil)
		}
		ix.lists[tab[k]] = append(ix.lists[tab[k]], entry{it.lit, it.mask})
	}
	return ix, ars
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// candidates appends to dst the positions of w where some rule may match,
// each with the rules that may, and returns dst and the union of masks.
func (ix *literalIndex) candidates(dst []candidate, w string) ([]candidate, uint64) {
	var all uint64
	if len(w) == 0 {
		return dst, 0
	}
	prevWord := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		word := isWordByte(c)
		m := ix.single[c]
		if prevWord != word {
			m |= ix.singleWB[c]
		}
		if i+1 < len(w) {
			k := uint16(c)<<8 | uint16(w[i+1])
			if l := ix.pair[k]; l != 0 {
				m |= matchList(ix.lists[l], w[i:])
			}
			if prevWord != word {
				if l := ix.pairWB[k]; l != 0 {
					m |= matchList(ix.lists[l], w[i:])
				}
			}
		}
		if i == 0 {
			m |= ix.begin
		}
		if m != 0 {
			dst = append(dst, candidate{i, m})
			all |= m
		}
		prevWord = word
	}
	return dst, all | ix.full
}

func matchList(l []entry, s string) uint64 {
	var m uint64
	for _, e := range l {
		if strings.HasPrefix(s, e.lit) {
			m |= e.mask
		}
	}
	return m
}

// findAll returns the matches of rule i in w, as FindAllStringIndex would,
// trying only the candidates cs.
func (ar *anchoredRule) findAll(dst [][2]int, w string, cs []candidate, bit uint64, full *regexp.Regexp) [][2]int {
	if ar.full {
		for _, loc := range full.FindAllStringIndex(w, -1) {
			dst = append(dst, [2]int{loc[0], loc[1]})
		}
		return dst
	}
	next := 0
	for _, c := range cs {
		if c.mask&bit == 0 || c.pos < next {
			continue
		}
		var loc []int
		if c.pos == 0 {
			loc = ar.at0.FindStringIndex(w)
		} else {
			q := c.pos - 1
			for q > 0 && !utf8.RuneStart(w[q]) {
				q--
			}
			loc = ar.atN.FindStringIndex(w[q:])
			if loc != nil {
				loc[0], loc[1] = c.pos, q+loc[1]
			}
		}
		if loc == nil || loc[1] == loc[0] {
			// The rules never match the empty string; an empty match
			// would not advance, so it is skipped.
			continue
		}
		dst = append(dst, [2]int{loc[0], loc[1]})
		next = loc[1]
	}
	return dst
}

// wordSet is a set of words of wordIndex, as bits.
type wordSet [4]uint64

func (a *wordSet) or(b *wordSet) {
	for i := range a {
		a[i] |= b[i]
	}
}

func (a *wordSet) meets(b *wordSet) bool {
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

// wordIndex finds which of a fixed set of words occur in a text as
// substrings, in one pass: the rules' any and all lists.
type wordIndex struct {
	single [256]wordSet
	pair   [1 << 16]uint16
	lists  [][]wordEntry
	ids    map[string]int
}

type wordEntry struct {
	w   string
	set wordSet
}

// wordSets is what a rule needs of wordIndex: a word of any (unless
// anyAll is set, because any is empty) and a word of every group of all.
type wordSets struct {
	any    wordSet
	anyAll bool
	all    []wordSet
}

func (ws *wordSets) ok(present *wordSet) bool {
	if !ws.anyAll && !ws.any.meets(present) {
		return false
	}
	for i := range ws.all {
		if !ws.all[i].meets(present) {
			return false
		}
	}
	return true
}

func buildWordIndex(rules []rule) (*wordIndex, []wordSets) {
	wi := &wordIndex{lists: [][]wordEntry{nil}, ids: map[string]int{}}
	set := func(words []string) wordSet {
		var s wordSet
		for _, w := range words {
			if w == "" {
				panic("text: empty prefilter word")
			}
			id, ok := wi.ids[w]
			if !ok {
				id = len(wi.ids)
				if id >= len(s)*64 {
					panic("text: too many prefilter words")
				}
				wi.ids[w] = id
				var bit wordSet
				bit[id/64] = 1 << (id % 64)
				if len(w) == 1 {
					wi.single[w[0]].or(&bit)
				} else {
					k := uint16(w[0])<<8 | uint16(w[1])
					if wi.pair[k] == 0 {
						wi.pair[k] = uint16(len(wi.lists))
						wi.lists = append(wi.lists, nil)
					}
					wi.lists[wi.pair[k]] = append(wi.lists[wi.pair[k]], wordEntry{w, bit})
				}
			}
			s[id/64] |= 1 << (id % 64)
		}
		return s
	}
	out := make([]wordSets, len(rules))
	for i, r := range rules {
		out[i].any = set(r.any)
		out[i].anyAll = len(r.any) == 0
		for _, g := range r.all {
			if len(g) == 0 {
				continue // containsAny of an empty group is true
			}
			out[i].all = append(out[i].all, set(g))
		}
	}
	return wi, out
}

// present returns the set of words that occur in w.
func (wi *wordIndex) present(w string) wordSet {
	var p wordSet
	for i := 0; i < len(w); i++ {
		c := w[i]
		p.or(&wi.single[c])
		if i+1 < len(w) {
			if l := wi.pair[uint16(c)<<8|uint16(w[i+1])]; l != 0 {
				for _, e := range wi.lists[l] {
					if strings.HasPrefix(w[i:], e.w) {
						p.or(&e.set)
					}
				}
			}
		}
	}
	return p
}
