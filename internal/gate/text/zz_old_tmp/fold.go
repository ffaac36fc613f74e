package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Match is one finding in a string.
type Match struct {
	// Kind is "injection", "secret" or "invisible".
	Kind string
	// Rule names the rule that matched, such as "ignore-instructions" or
	// "aws-access-key".
	Rule string
	// Start and End are byte offsets of the span in the scanned string.
	Start, End int
	// Snippet is the matched text, bounded and cleaned of invisible and
	// control characters, for logs and flags (never for the model).
	Snippet string
	// Where names the field the match was found in, for matches of
	// [ScanToolMetadata] and [NeutralizeJSON] ("description",
	// "inputSchema.properties.path.description", "$.items[2].note");
	// empty for plain strings.
	Where string
}

// isInvisible reports whether r is a character that renders as nothing (or
// reorders text) and so can hide content from a human reader.
func isInvisible(r rune) bool {
	switch {
	case r == 0x00AD, // soft hyphen
		r == 0x034F,              // combining grapheme joiner
		r == 0x061C,              // Arabic letter mark
		r == 0x115F, r == 0x1160, // Hangul fillers
		r == 0x17B4, r == 0x17B5, // Khmer inherent vowels
		r == 0x180E,                // Mongolian vowel separator
		r >= 0x200B && r <= 0x200F, // zero-width space/joiners, LRM, RLM
		r >= 0x202A && r <= 0x202E, // bidi embeddings and overrides
		r >= 0x2060 && r <= 0x2064, // word joiner, invisible operators
		r >= 0x2066 && r <= 0x206F, // bidi isolates, deprecated format chars
		r == 0x3164, r == 0xFFA0,   // Hangul fillers
		r == 0xFEFF,                  // zero-width no-break space (BOM)
		r >= 0xFE00 && r <= 0xFE0D,   // variation selectors (not the emoji ones)
		r >= 0xFFF9 && r <= 0xFFFB,   // interlinear annotation
		r >= 0x1D173 && r <= 0x1D17A, // musical formatting
		r >= 0xE0000 && r <= 0xE007F, // tag characters
		r >= 0xE0100 && r <= 0xE01EF: // variation selectors supplement
		return true
	}
	return false
}

// isEmojiContext reports whether r is a rune next to which a zero-width
// joiner is part of an emoji sequence rather than a hiding trick.
func isEmojiContext(r rune) bool {
	return r >= 0x2190 && r < 0x3000 || r >= 0x1F000 && r < 0x20000 || r == 0xFE0F
}

// invisibleAt reports whether the rune r at byte i of s is to be removed:
// every invisible rune except a zero-width joiner between emoji.
func invisibleAt(s string, i int, r rune) bool {
	if !isInvisible(r) {
		return false
	}
	if r == 0x200D {
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		next, _ := utf8.DecodeRuneInString(s[i+3:])
		if isEmojiContext(prev) && isEmojiContext(next) {
			return false
		}
	}
	return true
}

// confusables maps Cyrillic, Greek and other letters that look like Latin
// letters to them (a small subset of Unicode's confusables.txt covering
// the alphabets attackers use in practice).
var confusables = map[rune]rune{
	// Cyrillic lower case.
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd',
	'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ӏ': 'l', 'ɡ': 'g', 'ү': 'y', 'ɑ': 'a', 'ı': 'i', 'ȷ': 'j',
	// Cyrillic upper case.
	'А': 'a', 'В': 'b', 'Е': 'e', 'К': 'k', 'М': 'm', 'Н': 'h', 'О': 'o', 'Р': 'p', 'С': 'c',
	'Т': 't', 'У': 'y', 'Х': 'x', 'І': 'i', 'Ј': 'j', 'Ѕ': 's', 'Ԁ': 'd', 'Ү': 'y', 'Ӏ': 'l',
	// Greek.
	'α': 'a', 'ο': 'o', 'ρ': 'p', 'ν': 'v', 'υ': 'u', 'ι': 'i', 'κ': 'k', 'τ': 't', 'ε': 'e',
	'χ': 'x', 'ω': 'w', 'γ': 'y', 'Α': 'a', 'Β': 'b', 'Ε': 'e', 'Ζ': 'z', 'Η': 'h', 'Ι': 'i',
	'Κ': 'k', 'Μ': 'm', 'Ν': 'n', 'Ο': 'o', 'Ρ': 'p', 'Τ': 't', 'Υ': 'y', 'Χ': 'x',
}

// folded is a normalized view of a string for matching, with a map from
// every byte of the view back to the original string.
type folded struct {
	s   string
	off []int // off[i] = byte offset in the original of folded byte i; len = len(s)+1
	inv []Match
}

// fold builds the matching view of s: invisible runes dropped (and
// reported), NFKC, confusables mapped to Latin, lower case.
func fold(s string) *folded {
	var b strings.Builder
	b.Grow(len(s))
	off := make([]int, 0, len(s)+1)
	var inv []Match
	var buf [utf8.UTFMax * 4]byte
	for i, r := range s {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(s[i:])
		}
		if invisibleAt(s, i, r) {
			if n := len(inv); n > 0 && inv[n-1].End == i {
				inv[n-1].End = i + size
			} else {
				inv = append(inv, Match{Kind: "invisible", Rule: invisibleRule(r), Start: i, End: i + size})
			}
			if r >= 0xE0020 && r <= 0xE007E {
				// Tag characters spell ASCII that a model may read:
				// match on what they spell.
				c := byte(r - 0xE0000)
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b.WriteByte(c)
				off = append(off, i)
			}
			continue
		}
		var out string
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			off = append(off, i)
			continue
		case confusables[r] != 0:
			out = string(confusables[r])
		default:
			n := utf8.EncodeRune(buf[:], r)
			out = string(norm.NFKC.Bytes(buf[:n]))
			out = strings.Map(func(r rune) rune {
				if c, ok := confusables[r]; ok {
					return c
				}
				if r == 0x2019 || r == 0x2018 || r == 0x02BC {
					return '\''
				}
				return unicode.ToLower(r)
			}, out)
		}
		for j := 0; j < len(out); j++ {
			off = append(off, i)
		}
		b.WriteString(out)
	}
	off = append(off, len(s))
	return &folded{s: b.String(), off: off, inv: inv}
}

// span maps a byte span of the folded view to the original string; an end
// inside the expansion of one original rune extends to that rune's end.
func (f *folded) span(start, end int) (int, int) {
	for end > 0 && end < len(f.s) && f.off[end] == f.off[end-1] {
		end++
	}
	return f.off[start], f.off[end]
}

func invisibleRule(r rune) string {
	switch {
	case r >= 0xE0000 && r <= 0xE007F:
		return "tag-characters"
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
		return "bidi-control"
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return "variation-selector"
	}
	return "zero-width"
}

// removeInvisible returns s without the invisible runes that fold reports.
func removeInvisible(s string, inv []Match) string {
	if len(inv) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range inv {
		b.WriteString(s[last:m.Start])
		last = m.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// snippet returns a bounded, printable excerpt of s[start:end].
func snippet(s string, start, end int) string {
	const max = 120
	t := s[start:end]
	t = strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		if r < 0x20 || r == 0x7F {
			return ' '
		}
		return r
	}, t)
	if len(t) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(t[cut]) {
			cut--
		}
		t = t[:cut] + "…"
	}
	return t
}
