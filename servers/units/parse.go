package units

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A Part is one number-unit pair of a quantity.
type Part struct {
	Value float64
	Unit  *unit
}

// A Quantity is a parsed quantity string: one or more parts of one dimension.
type Quantity struct {
	Parts     []Part
	Dimension string
	Base      float64 // the sum of the parts in the dimension's base unit
}

// maxQuantityLen bounds the input of ParseQuantity.
const maxQuantityLen = 200

// ParseQuantity parses text such as "5 ft 3 in", "5'3\"", "2 h 30 min",
// "1,500.5 kg", "3/4 cup", "-40 °F" or "12 sq ft". Parts may be separated by
// spaces, commas, "+" or "and"; all parts must share a dimension, and a
// temperature must be a single part.
func ParseQuantity(text string) (Quantity, error) {
	var q Quantity
	if len(text) > maxQuantityLen {
		return q, fmt.Errorf("quantity text is %d bytes; the limit is %d", len(text), maxQuantityLen)
	}
	p := &qparser{s: []rune(text)}
	for {
		p.skipSeparators()
		if p.eof() {
			break
		}
		if len(q.Parts) == 10 {
			return q, errors.New("too many parts in quantity (limit 10)")
		}
		v, err := p.number()
		if err != nil {
			return q, err
		}
		p.skipSpaces()
		u, err := p.unit()
		if err != nil {
			return q, err
		}
		if q.Dimension != "" && u.Dimension != q.Dimension {
			return q, fmt.Errorf("mixed dimensions in %q: %s and %s (%s)", text, q.Dimension, u.Dimension, u.Symbol)
		}
		q.Dimension = u.Dimension
		q.Parts = append(q.Parts, Part{v, u})
		q.Base += toBase(u, v)
	}
	if len(q.Parts) == 0 {
		return q, fmt.Errorf("no quantity found in %q; write a number and a unit, e.g. \"5 ft 3 in\" or \"2.5 kg\"", text)
	}
	if q.Dimension == "temperature" && len(q.Parts) > 1 {
		return q, errors.New("a temperature cannot be written as a sum of parts")
	}
	return q, nil
}

type qparser struct {
	s   []rune
	pos int
}

func (p *qparser) eof() bool { return p.pos >= len(p.s) }

func (p *qparser) peekAt(i int) rune {
	if p.pos+i < len(p.s) {
		return p.s[p.pos+i]
	}
	return 0
}

func (p *qparser) skipSpaces() {
	for !p.eof() && unicode.IsSpace(p.s[p.pos]) {
		p.pos++
	}
}

// skipSeparators skips spaces, commas, "+" and the word "and".
func (p *qparser) skipSeparators() {
	for !p.eof() {
		r := p.s[p.pos]
		switch {
		case unicode.IsSpace(r) || r == ',' || r == '+' || r == ';':
			p.pos++
		case strings.HasPrefix(strings.ToLower(string(p.s[p.pos:min(p.pos+4, len(p.s))])), "and") &&
			(p.pos+3 >= len(p.s) || unicode.IsSpace(p.s[p.pos+3])):
			p.pos += 3
		default:
			return
		}
	}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// number reads [sign] digits [, ddd]* [. digits] [e [sign] digits] [/ digits].
func (p *qparser) number() (float64, error) {
	start := p.pos
	var b strings.Builder
	if r := p.peekAt(0); r == '-' || r == '+' || r == '−' {
		if r != '+' {
			b.WriteByte('-')
		}
		p.pos++
	}
	digits := 0
	for !p.eof() {
		r := p.s[p.pos]
		switch {
		case isDigit(r):
			b.WriteRune(r)
			digits++
			p.pos++
			continue
		case r == ',' && digits > 0 && isDigit(p.peekAt(1)) && isDigit(p.peekAt(2)) && isDigit(p.peekAt(3)) && !isDigit(p.peekAt(4)):
			p.pos++ // thousands separator
			continue
		case r == '.' && isDigit(p.peekAt(1)):
			b.WriteRune(r)
			p.pos++
			continue
		}
		break
	}
	if digits == 0 && !strings.Contains(b.String(), ".") {
		p.pos = start
		word := p.word()
		if word == "" {
			word = string(p.peekAt(0))
		}
		return 0, fmt.Errorf("expected a number at %q (position %d)", word, start+1)
	}
	if r := p.peekAt(0); (r == 'e' || r == 'E') && (isDigit(p.peekAt(1)) || ((p.peekAt(1) == '-' || p.peekAt(1) == '+') && isDigit(p.peekAt(2)))) {
		b.WriteRune('e')
		p.pos++
		if r := p.peekAt(0); r == '-' || r == '+' {
			b.WriteRune(r)
			p.pos++
		}
		for !p.eof() && isDigit(p.s[p.pos]) {
			b.WriteRune(p.s[p.pos])
			p.pos++
		}
	}
	v, err := strconv.ParseFloat(b.String(), 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q: %w", b.String(), err)
	}
	if p.peekAt(0) == '/' && isDigit(p.peekAt(1)) {
		p.pos++
		ds := p.pos
		for !p.eof() && isDigit(p.s[p.pos]) {
			p.pos++
		}
		d, _ := strconv.ParseFloat(string(p.s[ds:p.pos]), 64)
		if d == 0 {
			return 0, errors.New("division by zero in fraction")
		}
		v /= d
	}
	return v, nil
}

// word reads a run of letters (for error messages and multi-word units).
func (p *qparser) word() string {
	s := p.pos
	for !p.eof() && (unicode.IsLetter(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos++
	}
	return string(p.s[s:p.pos])
}

// unit reads a unit token: a run of non-space, non-digit characters, with
// trailing digits kept when they form a known unit ("m2", "ft3"), and a
// following word joined when the pair is a known unit ("fl oz", "sq ft").
func (p *qparser) unit() (*unit, error) {
	start := p.pos
	for !p.eof() {
		r := p.s[p.pos]
		if unicode.IsSpace(r) || isDigit(r) || r == ',' || r == '+' || r == ';' {
			break
		}
		p.pos++
	}
	tok := string(p.s[start:p.pos])
	if tok == "" {
		return nil, fmt.Errorf("missing unit after the number at position %d; e.g. \"5 ft\"", start+1)
	}
	// Trailing power digits: "m2", "m^3" — only when no letter follows.
	if ds := p.pos; isDigit(p.peekAt(0)) {
		e := ds
		for e < len(p.s) && isDigit(p.s[e]) {
			e++
		}
		next := rune(0)
		if e < len(p.s) {
			next = p.s[e]
		}
		if !unicode.IsLetter(next) && next != '.' && next != '/' {
			if _, err := lookup(tok + string(p.s[ds:e])); err == nil {
				tok += string(p.s[ds:e])
				p.pos = e
			}
		}
	}
	// Multi-word units: try joining up to two following words.
	save := p.pos
	best, bestPos := tok, p.pos
	cand := tok
	for range 2 {
		p.skipSpaces()
		w := p.word()
		if w == "" {
			break
		}
		cand += " " + w
		if _, err := lookup(cand); err == nil {
			best, bestPos = cand, p.pos
		}
	}
	p.pos = bestPos
	_ = save
	u, err := lookup(best)
	if err != nil {
		return nil, err
	}
	return u, nil
}
