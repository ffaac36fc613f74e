package text

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Prefilter: running every rule's regexp over every window costs
// milliseconds per 10 KB, because Go's regexp has no literal prefilter for
// patterns such as `\b(ignore|disregard|...)`. Instead, each rule's pattern
// is analysed once for the prefixes every match must start with: literal
// text, a word boundary before it, and runs of a small character class
// (the separators of [sep], `\s*`). One pass over a window finds the
// positions where some rule's prefix occurs; the rule's regexp then runs
// anchored at those positions only, in order, which gives exactly the
// matches of FindAllStringIndex on the window (leftmost-first, no
// overlap): a match can only start where one of its prefixes occurs, and
// the anchored regexp sees the rune before the candidate, so `\b` and `^`
// behave as in the window.
//
// A rule whose pattern has no finite set of start prefixes keeps the full
// search (none of the built-in rules; a test checks that).

// maxPrefix bounds the literal bytes of a prefix, maxPrefixes the size of
// a rule's set while it is being built, and maxClass the size of a
// character class that is enumerated or skipped.
const (
	maxPrefix   = 8
	maxPrefixes = 4096
	maxClass    = 16
)

// Marks inside a prefix (patterns never contain these bytes as literals):
// wbMark for a word-boundary assertion, skipMark followed by a class
// number for a run (possibly empty) of that character class, and plusMark
// the same for a run of at least one.
const (
	wbMark   = "\x00"
	skipMark = '\x02'
	plusMark = '\x03'
)

func isSkip(c byte) bool { return c == skipMark || c == plusMark }

// classes are the character classes of skipMark, by number.
var classes [][]rune

func classID(mark byte, ranges []rune) string {
	for i, c := range classes {
		if slices.Equal(c, ranges) {
			return string([]byte{mark, byte(i + 1)})
		}
	}
	if len(classes) == 250 {
		panic("text: too many prefilter classes")
	}
	classes = append(classes, slices.Clone(ranges))
	return string([]byte{mark, byte(len(classes))})
}

func inClass(ranges []rune, r rune) bool {
	for i := 0; i < len(ranges); i += 2 {
		if ranges[i] <= r && r <= ranges[i+1] {
			return true
		}
	}
	return false
}

// prefix is a pattern every match (of a part of a regexp) may start
// with; exact means the match is exactly that, so a concatenation may
// extend it.
type prefix struct {
	s     string
	exact bool
}

// token splits the next token off a prefix pattern: a skip (2 bytes), a
// word-boundary mark or one rune of literal text.
func token(p string) (tok, rest string) {
	switch {
	case isSkip(p[0]):
		return p[:2], p[2:]
	case p[0] == wbMark[0]:
		return p[:1], p[1:]
	}
	_, n := utf8.DecodeRuneInString(p)
	return p[:n], p[n:]
}

// clean turns an analysed prefix into a start pattern: a leading word
// boundary kept, anything from a later one on cut, literal text bounded
// by maxPrefix, skips that could swallow the text after them (or that end
// the pattern) dropped with the rest. It returns "" when the pattern does
// not start with literal text.
func clean(p string) string {
	var b strings.Builder
	if strings.HasPrefix(p, wbMark) {
		b.WriteString(wbMark)
		p = strings.TrimLeft(p, wbMark)
	}
	if p == "" || isSkip(p[0]) || p[0] == wbMark[0] {
		return ""
	}
	lits := 0
	for p != "" && lits < maxPrefix {
		tok, rest := token(p)
		switch {
		case tok == wbMark:
			rest = ""
		case isSkip(tok[0]):
			if rest == "" || isSkip(rest[0]) || rest[0] == wbMark[0] {
				rest = ""
				break
			}
			r, _ := utf8.DecodeRuneInString(rest)
			if inClass(classes[tok[1]-1], r) {
				rest = ""
				break
			}
			b.WriteString(tok)
		default:
			b.WriteString(tok)
			lits += len(tok)
		}
		p = rest
	}
	return b.String()
}

// startPrefixes returns the start patterns of re (see clean); ok is false
// when some match may start with anything.
func startPrefixes(re *syntax.Regexp) (pats []string, ok bool) {
	seen := map[string]bool{}
	for _, p := range analyse(re) {
		c := clean(p.s)
		if c == "" || c == wbMark {
			return nil, false
		}
		seen[c] = true
	}
	for s := range seen {
		pats = append(pats, s)
	}
	sort.Strings(pats)
	return pats, true
}

var anything = []prefix{{"", false}}

func exactly(ss ...string) []prefix {
	out := make([]prefix, len(ss))
	for i, s := range ss {
		out[i] = prefix{s, true}
	}
	return out
}

func classSize(ranges []rune) int {
	n := 0
	for i := 0; i < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
	}
	return n
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
		lit := string(re.Rune)
		if strings.ContainsAny(lit, wbMark+string(rune(skipMark))+string(rune(plusMark))) {
			return anything
		}
		return exactly(lit)
	case syntax.OpCharClass:
		if classSize(re.Rune) > maxClass {
			return anything
		}
		var out []string
		for i := 0; i < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r == 0 || r == rune(skipMark) || r == rune(plusMark) {
					return anything
				}
				out = append(out, string(r))
			}
		}
		return exactly(out...)
	case syntax.OpCapture:
		return analyse(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		sub := re.Sub[0]
		if sub.Op != syntax.OpCharClass || classSize(sub.Rune) > maxClass {
			if re.Op == syntax.OpPlus {
				return inexact(analyse(sub))
			}
			return anything
		}
		if re.Op == syntax.OpStar {
			return exactly(classID(skipMark, sub.Rune))
		}
		return exactly(classID(plusMark, sub.Rune))
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
				if !a.exact || litLen(a.s) >= maxPrefix {
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

// litLen is the number of literal bytes in a prefix pattern.
func litLen(p string) int {
	n := 0
	for p != "" {
		tok, rest := token(p)
		if !isSkip(tok[0]) && tok != wbMark {
			n += len(tok)
		}
		p = rest
	}
	return n
}

func inexact(ps []prefix) []prefix {
	out := make([]prefix, len(ps))
	for i, p := range ps {
		out[i] = prefix{p.s, false}
	}
	return out
}

// extendable reports whether some prefix in ps is exact and has fewer
// than maxPrefix literal bytes.
func extendable(ps []prefix) bool {
	for _, p := range ps {
		if p.exact && litLen(p.s) < maxPrefix {
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
	// full is set when the rule has no start prefixes: search everywhere.
	full bool
}

// trie holds start patterns token by token: a walk from the root along
// the text collects the masks of the patterns that match there.
type trie struct {
	nodes []trieNode
	// root[c] is the node after a first literal byte c (0: none).
	root [256]int32
}

type trieNode struct {
	mask  uint64 // rules of the patterns that end here
	bytes []trieEdge
	skips []trieSkip
}

type trieEdge struct {
	b    byte
	next int32
}

type trieSkip struct {
	class int // index in classes
	plus  bool
	next  int32
}

func (t *trie) add(p string, mask uint64) {
	if len(t.nodes) == 0 {
		t.nodes = append(t.nodes, trieNode{}) // node 0: unused, "none"
	}
	child := func(n int32, tok string) int32 {
		nd := &t.nodes[n]
		if isSkip(tok[0]) {
			for _, e := range nd.skips {
				if e.class == int(tok[1]-1) && e.plus == (tok[0] == plusMark) {
					return e.next
				}
			}
			t.nodes = append(t.nodes, trieNode{})
			next := int32(len(t.nodes) - 1)
			nd = &t.nodes[n]
			nd.skips = append(nd.skips, trieSkip{int(tok[1] - 1), tok[0] == plusMark, next})
			return next
		}
		for _, e := range nd.bytes {
			if e.b == tok[0] {
				return e.next
			}
		}
		t.nodes = append(t.nodes, trieNode{})
		next := int32(len(t.nodes) - 1)
		nd = &t.nodes[n]
		nd.bytes = append(nd.bytes, trieEdge{tok[0], next})
		return next
	}
	n := t.root[p[0]]
	if n == 0 {
		t.nodes = append(t.nodes, trieNode{})
		n = int32(len(t.nodes) - 1)
		t.root[p[0]] = n
	}
	for p = p[1:]; p != ""; {
		tok := p[:1]
		if isSkip(p[0]) {
			tok = p[:2]
		}
		p = p[len(tok):]
		n = child(n, tok)
	}
	t.nodes[n].mask |= mask
}

// match returns the masks of the patterns that match at the start of s.
func (t *trie) match(s string) uint64 {
	n := t.root[s[0]]
	if n == 0 {
		return 0
	}
	return t.walk(n, s[1:])
}

func (t *trie) walk(n int32, s string) uint64 {
	var m uint64
	for {
		nd := &t.nodes[n]
		m |= nd.mask
		for _, e := range nd.skips {
			cls := classes[e.class]
			rest := s
			k := 0
			for rest != "" {
				r, size := rune(rest[0]), 1
				if r >= utf8.RuneSelf {
					r, size = utf8.DecodeRuneInString(rest)
				}
				if !inClass(cls, r) {
					break
				}
				rest = rest[size:]
				k++
			}
			if k > 0 || !e.plus {
				m |= t.walk(e.next, rest)
			}
		}
		if s == "" {
			return m
		}
		next := int32(0)
		for _, e := range nd.bytes {
			if e.b == s[0] {
				next = e.next
				break
			}
		}
		if next == 0 {
			return m
		}
		n, s = next, s[1:]
	}
}

// literalIndex finds the candidate positions of a window: a trie of the
// start patterns that need a word boundary before them, and one of the
// others.
type literalIndex struct {
	plain, wb trie
	// begin: rules tried at position 0 (for `^`), and full: rules
	// without start prefixes (always tried).
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
	ix := &literalIndex{}
	ars := make([]anchoredRule, len(rules))
	for i, r := range rules {
		src := r.re.String()
		ars[i].at0 = regexp.MustCompile(`^(?:` + src + `)`)
		ars[i].atN = regexp.MustCompile(`^(?s:.)(?:` + src + `)`)
		re, err := syntax.Parse(src, syntax.Perl)
		if err != nil {
			panic(err)
		}
		bit := uint64(1) << i
		if hasBegin(re) {
			ix.begin |= bit
		}
		pats, ok := startPrefixes(re.Simplify())
		if !ok {
			ars[i].full = true
			ix.full |= bit
			continue
		}
		for _, p := range pats {
			if strings.HasPrefix(p, wbMark) {
				ix.wb.add(strings.TrimPrefix(p, wbMark), bit)
			} else {
				ix.plain.add(p, bit)
			}
		}
	}
	return ix, ars
}

// hasBegin reports whether re has a `^` (the trie, which matches after
// the rune before a position, cannot see those matches at position 0).
func hasBegin(re *syntax.Regexp) bool {
	if re.Op == syntax.OpBeginLine || re.Op == syntax.OpBeginText {
		return true
	}
	for _, sub := range re.Sub {
		if hasBegin(sub) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// candidates appends to dst the positions of w where some rule may match,
// each with the rules that may, and returns dst and the union of masks.
func (ix *literalIndex) candidates(dst []candidate, w string) ([]candidate, uint64) {
	var all uint64
	prevWord := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		word := isWordByte(c)
		var m uint64
		if ix.plain.root[c] != 0 {
			m |= ix.plain.match(w[i:])
		}
		if prevWord != word && ix.wb.root[c] != 0 {
			m |= ix.wb.match(w[i:])
		}
		prevWord = word
		if i == 0 {
			m |= ix.begin
		}
		if m != 0 {
			dst = append(dst, candidate{i, m})
			all |= m
		}
	}
	return dst, all | ix.full
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
