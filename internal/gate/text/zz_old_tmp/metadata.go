package text

import (
	"encoding/json"
	"regexp"
	"strings"
)

// metadataRules apply to tool metadata only: phrases that are ordinary in
// data but, in a tool's own description, try to steer which tools the agent
// uses (shadowing) or smuggle in side tasks.
var metadataRules = []rule{
	{name: "tool-shadowing", re: regexp.MustCompile(`\b((always|only) use this (tool|function) (instead|rather|for all|whenever|for every|in place)|this tool (replaces|overrides|supersedes) (the |all )?[\w.\-]+)`)},
	{name: "tool-shadowing", re: regexp.MustCompile(`\b(do not|don't|never) (use|call|invoke) (the |any )?(other|[\w.\-]+) (tools?|servers?|functions?)\b`),
		exclude: regexp.MustCompile(`(use|call|invoke) (the )?this\b`)},
	{name: "side-effect-request", re: regexp.MustCompile(`\b(also|additionally|first|before (responding|answering|replying))[, ]+(read|send|call|invoke|include|upload|forward|email|collect)\b[^.\n]{0,80}\b(file|key|token|password|credential|conversation|history|message|email|contents?)s?\b`)},
}

// ScanToolMetadata checks a tool's definition at discovery for text that
// addresses the agent: every injection rule of [ScanInjection] over the
// name (separators read as spaces), title and description, and over every
// string of the input schema (property names, descriptions, titles, enum
// values, defaults, examples); plus rules for tool shadowing and side
// requests, invisible characters anywhere, and look-alike letters (Cyrillic,
// Greek) in the name. Where names the field of each match.
func ScanToolMetadata(name, title, description string, inputSchema json.RawMessage) []Match {
	var out []Match
	scan := func(where, s string) {
		ms := ScanInjection(s)
		f := fold(s)
		for _, r := range metadataRules {
			for _, loc := range r.re.FindAllStringIndex(f.s, -1) {
				if r.exclude != nil && r.exclude.MatchString(f.s[loc[0]:loc[1]]) {
					continue
				}
				start, end := f.span(loc[0], loc[1])
				ms = append(ms, Match{Kind: "injection", Rule: r.name, Start: start, End: end, Snippet: snippet(s, start, end)})
			}
		}
		for i := range ms {
			ms[i].Where = where
		}
		out = append(out, ms...)
	}
	scan("name", strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(name))
	for i, r := range name {
		if _, ok := confusables[r]; ok {
			out = append(out, Match{Kind: "injection", Rule: "homoglyph-name", Start: i, End: i + len(string(r)), Snippet: name, Where: "name"})
			break
		}
	}
	scan("title", title)
	scan("description", description)
	if len(inputSchema) > 0 {
		root, err := parseJSON(inputSchema)
		if err != nil {
			scan("inputSchema", string(inputSchema))
		} else {
			root.walkStrings("inputSchema", func(path, s string) string {
				if strings.HasSuffix(path, "#key") {
					s = strings.NewReplacer("_", " ", "-", " ").Replace(s)
				}
				scan(path, s)
				return s
			})
		}
	}
	return out
}
