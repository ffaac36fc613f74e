package text

import (
	"regexp"
	"strings"
)

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(\x07|\x1b\\\\)?|\x1b[@-_]?")

// SanitizeError makes an error message from an upstream server safe to show
// to the program and the model: invalid UTF-8 replaced, terminal escapes,
// control characters (other than newline and tab) and invisible characters
// removed, instruction-like text replaced by a marker, secrets redacted,
// runs of blank lines collapsed, and the result cut to at most max bytes
// (max ≤ 0: no bound).
func SanitizeError(msg string, max int) string {
	s := strings.ToValidUTF8(msg, "\uFFFD")
	s = ansiEscape.ReplaceAllString(s, "")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r < 0x20, r == 0x7F, r >= 0x80 && r < 0xA0:
			return -1
		case r == 0x2028 || r == 0x2029:
			return '\n'
		}
		return r
	}, s)
	s, _ = Neutralize(s, "")
	s, _ = RedactSecrets(s)
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	s = strings.TrimSpace(s)
	if max > 0 {
		s, _ = TruncateText(s, max)
	}
	return s
}
