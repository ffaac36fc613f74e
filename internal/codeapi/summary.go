package codeapi

import (
	"strings"
	"unicode"

	"github.com/cemcp/cemcp/internal/catalog"
)

// maxSummary is the longest summary, in runes.
const maxSummary = 120

// Summary returns one line for search_tools: the first sentence of the
// tool's description (or of its title when the description is empty),
// whitespace collapsed, control characters dropped, at most 120 runes
// (cut at a word boundary with "…").
func Summary(t *catalog.Tool) string {
	if t == nil {
		return ""
	}
	text := t.Description
	if strings.TrimSpace(text) == "" {
		text = t.Title
		if text == "" && t.Annotations != nil {
			text = t.Annotations.Title
		}
	}
	text = strings.Join(strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	text = firstSentence(text)
	r := []rune(text)
	if len(r) <= maxSummary {
		return text
	}
	cut := string(r[:maxSummary-1])
	if i := strings.LastIndexByte(cut, ' '); i > maxSummary/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ,;:") + "…"
}

// abbreviations do not end a sentence.
var abbreviations = map[string]bool{"e.g.": true, "i.e.": true, "etc.": true, "vs.": true, "approx.": true, "no.": true, "mr.": true, "dr.": true}

// firstSentence returns text up to the first '.', '!' or '?' followed by a
// space, skipping common abbreviations and decimal points.
func firstSentence(text string) string {
	for i := 0; i < len(text)-1; i++ {
		c := text[i]
		if (c != '.' && c != '!' && c != '?') || text[i+1] != ' ' {
			continue
		}
		if c == '.' {
			start := strings.LastIndexByte(text[:i], ' ') + 1
			if abbreviations[strings.ToLower(strings.TrimLeft(text[start:i+1], "([{\"'"))] {
				continue
			}
		}
		return text[:i+1]
	}
	return text
}
