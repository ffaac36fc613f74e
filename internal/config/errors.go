package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cemcp/cemcp/internal/editdist"
)

// Error is one problem in a configuration file. Every error that Load and
// Parse return is a *Error, or several of them joined with errors.Join;
// use errors.As to get the first one and Errors to get them all.
type Error struct {
	File string // file name as given ("" when parsed from bytes without a name)
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based, in characters; 0 when unknown
	Key  string // path of the offending key, e.g. mcpServers.weather.args[1]
	Msg  string // what is wrong
	Fix  string // how to fix it ("" when there is nothing useful to say)

	err error // the underlying error, when reading the file failed
}

// Unwrap returns the error that caused a read failure, or nil.
func (e *Error) Unwrap() error { return e.err }

// Error formats the problem as
//
//	config.json:12:5: mcpServers.weather.args[1]: expected a string, got number (fix: write it in quotes: "3")
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Fix != "" {
		b.WriteString(" (fix: ")
		b.WriteString(e.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Errors returns every *Error in err (which may be a single *Error or
// several joined), in order. It returns nil when err holds none.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 50

// problems collects *Error values during decoding.
type problems struct {
	file string
	data []byte
	errs []pending
}

type pending struct {
	off int // byte offset, -1 when there is no position
	e   *Error
}

// add records a problem at byte offset off (-1 when there is no position).
func (ps *problems) add(off int, key, msg, fix string) {
	ps.errs = append(ps.errs, pending{off: off, e: &Error{File: ps.file, Key: key, Msg: msg, Fix: fix}})
}

// err returns the collected problems sorted by position, or nil.
func (ps *problems) err() error {
	if len(ps.errs) == 0 {
		return nil
	}
	sort.SliceStable(ps.errs, func(i, j int) bool {
		a, b := ps.errs[i].off, ps.errs[j].off
		if (a < 0) != (b < 0) {
			return b < 0
		}
		return a < b
	})
	kept := ps.errs
	if len(kept) > maxErrors {
		kept = kept[:maxErrors]
	}
	list := make([]error, 0, len(kept)+1)
	for _, p := range kept {
		if p.off >= 0 {
			p.e.Line, p.e.Col = lineCol(ps.data, p.off)
		}
		list = append(list, p.e)
	}
	if more := len(ps.errs) - len(kept); more > 0 {
		list = append(list, &Error{File: ps.file, Msg: fmt.Sprintf("%d more problems not shown", more)})
	}
	if len(list) == 1 {
		return list[0]
	}
	return errors.Join(list...)
}

// lineCol converts a byte offset into a 1-based line and column; the
// column counts characters, and a leading byte order mark is not one.
func lineCol(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	line = 1
	start := 0
	for i := 0; i < off; i++ {
		if data[i] == '\n' {
			line++
			start = i + 1
		}
	}
	col = utf8.RuneCount(data[start:off]) + 1
	if start == 0 && len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF && off >= 3 {
		col--
	}
	return line, col
}

// excerpt returns the text of the line around off, shortened to a few
// dozen characters, for syntax errors.
func excerpt(data []byte, off int) string {
	if off > len(data) {
		off = len(data)
	}
	start := off
	for start > 0 && data[start-1] != '\n' && off-start < 30 {
		start--
	}
	end := off
	for end < len(data) && data[end] != '\n' && data[end] != '\r' && end-off < 30 {
		end++
	}
	// Do not cut a UTF-8 sequence in half.
	for start < off && !utf8.RuneStart(data[start]) {
		start++
	}
	for end > off && end < len(data) && !utf8.RuneStart(data[end]) {
		end--
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(data[start:end]), "\uFFFD"))
	s = strings.TrimPrefix(s, "\uFEFF")
	return s
}

// suggest returns the candidate closest to word by edit distance (case
// folded), or "" when none is close enough to be a likely typo. When no
// candidate is close, a single candidate that is a prefix of word or has
// word as a prefix (at least 3 characters shared) is suggested.
func suggest(word string, candidates []string) string {
	best, bestD := "", -1
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := editdist.Distance(lw, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	n := utf8.RuneCountInString(best)
	limit := 1
	switch {
	case n > 8:
		limit = 3
	case n > 4:
		limit = 2
	}
	if bestD <= limit {
		return best
	}
	prefix := ""
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if min(len(lc), len(lw)) >= 3 && (strings.HasPrefix(lc, lw) || strings.HasPrefix(lw, lc)) {
			if prefix != "" {
				return "" // ambiguous
			}
			prefix = c
		}
	}
	return prefix
}

// unknownKeyFix is the fix for an unknown key: a did-you-mean when one is
// close, then the list of valid keys.
func unknownKeyFix(key string, valid []string) string {
	list := "valid keys: " + strings.Join(valid, ", ")
	if s := suggest(key, valid); s != "" {
		return fmt.Sprintf("did you mean %q? %s", s, list)
	}
	return list
}
