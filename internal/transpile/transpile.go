// Package transpile turns the program body a model writes (TypeScript or
// JavaScript with top-level await and return) into a plain script that package
// jsengine can run: types are stripped, the syntax goja lacks is lowered, and
// the body is wrapped in an async function so that the script's completion
// value is a Promise of the program's return value.
//
// The wrapper keeps the user's line numbers: it opens on the user's first line
// and closes on a line of its own after the last one. An inline source map
// maps the generated script back to those lines, so stack traces that goja
// prints name lines of the program as the model wrote it.
//
// This package imports esbuild; package jsengine (and the runner binary) must
// not, which is why transpiling is a separate step.
package transpile

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/jsengine"
)

// Language names accepted by Program.
const (
	TypeScript = "typescript"
	JavaScript = "javascript"
)

// prefix opens the wrapper on the user's first line; suffix closes it on a
// line of its own, so a trailing line comment cannot swallow it.
const (
	prefix = "(async () => {"
	suffix = "\n})()\n"
)

// SourceName returns the file name that stack traces use for a program in
// lang ("program.ts" or "program.js").
func SourceName(lang string) string {
	if lang == JavaScript {
		return "program.js"
	}
	return "program.ts"
}

// supported overrides esbuild's ES2022 feature table where goja differs:
// goja has no async generators and no for-await, so esbuild lowers them to
// generators plus helpers. Everything else in ES2022 goja runs natively.
var supported = map[string]bool{
	"async-generator": false,
	"for-await":       false,
}

// Program transpiles a program body written in lang ("typescript", the
// default when empty, or "javascript") into a script whose completion value
// is a Promise of the program's return value. A syntax error comes back as a
// RunError of kind "syntax" whose Line is a line of code.
func Program(code string, lang string) (string, *bridge.RunError) {
	loader := api.LoaderTS
	switch lang {
	case "", TypeScript:
		lang = TypeScript
	case JavaScript:
		loader = api.LoaderJS
	default:
		return "", &bridge.RunError{Kind: "unsupported", Message: fmt.Sprintf("language %q is not supported by the JavaScript engine", lang)}
	}
	if len(code) > MaxCodeBytes {
		return "", &bridge.RunError{Kind: "syntax", Message: fmt.Sprintf("the program is %d bytes, over the limit of %d: write a shorter program", len(code), MaxCodeBytes)}
	}
	if line, ok := tooDeep(code); !ok {
		return "", &bridge.RunError{Kind: "syntax", Line: line, Message: fmt.Sprintf("brackets nest more than %d levels deep", MaxNesting)}
	}
	res := api.Transform(prefix+code+suffix, api.TransformOptions{
		Loader:         loader,
		Target:         api.ES2022,
		Supported:      supported,
		Format:         api.FormatDefault,
		Sourcemap:      api.SourceMapInline,
		SourcesContent: api.SourcesContentExclude,
		Sourcefile:     SourceName(lang),
		LogLevel:       api.LogLevelSilent,
		Charset:        api.CharsetUTF8,
		LegalComments:  api.LegalCommentsNone,
	})
	if len(res.Errors) > 0 {
		return "", syntaxError(code, res.Errors)
	}
	return withLines(string(res.Code), strings.Count(code, "\n")+1), nil
}

// withLines writes the directive that tells the engine how many lines the
// program has, just before the source map comment (which must stay last).
func withLines(js string, n int) string {
	directive := jsengine.LinesDirective + strconv.Itoa(n) + "\n"
	i := strings.LastIndex(js, "\n//# sourceMappingURL=")
	if i < 0 {
		return js + "\n" + directive
	}
	return js[:i+1] + directive + js[i+1:]
}

// Bounds on the input. Parsers and compilers recurse on nesting and some are
// quadratic in it; none of them can be interrupted, so depth is checked
// before any of them runs.
const (
	MaxCodeBytes = 1 << 20
	MaxNesting   = 256
)

// tooDeep scans code for (, [ and { nested deeper than MaxNesting, skipping
// quoted strings and comments. It is deliberately approximate (template
// literals and regular expressions count as code), erring on the side of
// counting. It reports the line where the limit was crossed.
func tooDeep(code string) (int, bool) {
	depth, line := 0, 1
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '\n':
			line++
		case '(', '[', '{':
			depth++
			if depth > MaxNesting {
				return line, false
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case '"', '\'':
			for i++; i < len(code) && code[i] != c && code[i] != '\n'; i++ {
				if code[i] == '\\' {
					i++
				}
			}
			if i < len(code) && code[i] == '\n' {
				line++
			}
		case '/':
			if i+1 < len(code) && code[i+1] == '/' {
				for i < len(code) && code[i] != '\n' {
					i++
				}
				line++
			} else if i+1 < len(code) && code[i+1] == '*' {
				end := strings.Index(code[i+2:], "*/")
				if end < 0 {
					end = len(code) - i - 2
				}
				line += strings.Count(code[i:i+2+end], "\n")
				i += 1 + end + 1
			}
		}
	}
	return line, true
}

// syntaxError maps esbuild's first error back to the user's code.
func syntaxError(code string, msgs []api.Message) *bridge.RunError {
	m := msgs[0]
	lines := strings.Split(code, "\n")
	re := &bridge.RunError{Kind: "syntax", Message: m.Text}
	loc := m.Location
	if loc == nil {
		return re
	}
	line, col := loc.Line, loc.Column
	if line == 1 {
		col -= len(prefix)
	}
	if line > len(lines) || col < 0 {
		// The error is in the wrapper: the program left a brace, bracket or
		// parenthesis open, or closed one too many.
		line = len(lines)
		col = len(lines[line-1])
		re.Message = "unexpected end of program (is a brace, bracket or parenthesis unbalanced?): " + m.Text
	}
	re.Line = line
	re.Message = fmt.Sprintf("%s\n%s", re.Message, excerpt(lines[line-1], line, col))
	if len(msgs) > 1 {
		re.Message += fmt.Sprintf("\n(and %d more errors)", len(msgs)-1)
	}
	return re
}

// maxExcerpt bounds the quoted line so a one-line minified program does not
// flood the model's context.
const maxExcerpt = 160

// excerpt renders one source line with a caret under column col (bytes).
func excerpt(text string, line, col int) string {
	if col > len(text) {
		col = len(text)
	}
	if len(text) > maxExcerpt {
		start := col - maxExcerpt/2
		if start < 0 {
			start = 0
		}
		end := start + maxExcerpt
		if end > len(text) {
			end = len(text)
			start = max(0, end-maxExcerpt)
		}
		// Cut at rune boundaries.
		for start > 0 && start < len(text) && !startsRune(text[start]) {
			start--
		}
		for end < len(text) && !startsRune(text[end]) {
			end++
		}
		text, col = text[start:end], col-start
	}
	gutter := fmt.Sprintf("%5d | ", line)
	pad := strings.Map(func(r rune) rune {
		if r == '\t' {
			return '\t'
		}
		return ' '
	}, text[:col])
	return gutter + text + "\n" + strings.Repeat(" ", len(gutter)-2) + "| " + pad + "^"
}

func startsRune(b byte) bool { return b&0xC0 != 0x80 }
