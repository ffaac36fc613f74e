package gate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/gate/text"
)

// maxErrorBytes bounds a tool error message that reaches a program.
const maxErrorBytes = 2000

// matchFlags turns text matches into flags. A flag names the rule and where
// it matched, never the matched text: flags reach the model too.
func matchFlags(ms []text.Match, source string) []Flag {
	seen := map[string]bool{}
	var out []Flag
	for _, m := range ms {
		kind := m.Kind
		if kind == "invisible" {
			kind = "injection"
		}
		detail := m.Rule
		if m.Where != "" {
			detail += " at " + m.Where
		}
		if seen[kind+detail] {
			continue
		}
		seen[kind+detail] = true
		out = append(out, Flag{Kind: kind, Source: source, Detail: detail})
	}
	return out
}

// ErrorText makes a tool's error message safe for the program and the
// model: bounded, control and invisible characters removed, instruction-like
// text replaced by a marker naming the server, secrets redacted.
func (g *Gate) ErrorText(server, msg string) (string, []Flag) {
	if !g.layers.Text {
		if len(msg) > maxErrorBytes {
			msg = msg[:maxErrorBytes]
		}
		return msg, nil
	}
	s, ms := text.Neutralize(msg, server)
	_, secrets := text.RedactSecrets(s)
	return text.SanitizeError(s, maxErrorBytes), matchFlags(append(ms, secrets...), server)
}

// neutralizeResult replaces instruction-like text in a result's strings.
func (g *Gate) neutralizeResult(t *catalog.Tool, value json.RawMessage) (json.RawMessage, []Flag) {
	if !g.layers.Text {
		return value, nil
	}
	v, ms := text.NeutralizeJSON(value, t.Server)
	return v, matchFlags(ms, t.Qualified)
}

// Post makes what a run returns to the model safe: instruction-like text
// replaced (with the server it came from, when the data-flow labels know
// it), secrets redacted, and the result kept within maxBytes as valid JSON.
func (g *Gate) Post(run *Run, output string, result json.RawMessage, maxBytes int) (string, json.RawMessage, []Flag) {
	var flags []Flag
	if g.layers.Text {
		source := g.sourceOf(run, output, result)
		var ms []text.Match
		output, ms = text.Neutralize(output, source)
		flags = append(flags, matchFlags(ms, "output")...)
		output, ms = text.RedactSecrets(output)
		flags = append(flags, matchFlags(ms, "output")...)
		if len(result) > 0 {
			result, ms = text.NeutralizeJSON(result, source)
			flags = append(flags, matchFlags(ms, "result")...)
			if s := string(result); len(text.ScanSecrets(s)) > 0 {
				red, ms := text.RedactSecrets(s)
				if json.Valid([]byte(red)) {
					result = json.RawMessage(red)
				} else {
					b, _ := json.Marshal(red)
					result = b
				}
				flags = append(flags, matchFlags(ms, "result")...)
			}
		}
	}
	g.remember(run, output, result)
	if maxBytes > 0 && len(result) > maxBytes {
		var cut bool
		result, cut = text.TruncateJSON(result, maxBytes)
		if cut {
			flags = append(flags, Flag{Kind: "truncated", Source: "result", Detail: fmt.Sprintf("result cut to %d bytes, still valid JSON", maxBytes)})
		}
	}
	return output, result, flags
}

// remember records what a run returns to the model in the session's
// history, labelled with the servers whose results the run read (untrusted
// if any of them is).
func (g *Gate) remember(run *Run, output string, result json.RawMessage) {
	if run == nil || run.past == nil || !g.layers.Flow {
		return
	}
	var servers []string
	trusted := true
	seen := map[string]bool{}
	for _, l := range run.tracker.Labels() {
		if !seen[l.Server] {
			seen[l.Server] = true
			servers = append(servers, l.Server)
		}
		trusted = trusted && l.Trusted
	}
	if len(servers) == 0 {
		return
	}
	sort.Strings(servers)
	src := strings.Join(servers, "+")
	if b, err := json.Marshal(output); err == nil && output != "" {
		run.past.Observe(src, "output of run "+run.ID, trusted, b)
	}
	if len(result) > 0 {
		run.past.Observe(src, "result of run "+run.ID, trusted, result)
	}
}

// sourceOf names the servers whose data appears in a run's output.
func (g *Gate) sourceOf(run *Run, output string, result json.RawMessage) string {
	if run == nil || !g.layers.Flow {
		return ""
	}
	b, _ := json.Marshal(output)
	labels := append(run.tracker.LabelsFor(b), run.tracker.LabelsFor(result)...)
	set := map[string]bool{}
	for _, l := range labels {
		set[l.Server] = true
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// Screen checks every tool's metadata at discovery. It returns the tools to
// quarantine (not shown, not callable), with the flag that says why:
// instruction-like text in names, descriptions or schemas; or an untrusted
// server's tool that shadows or imitates a trusted server's tool.
func (g *Gate) Screen(tools []*catalog.Tool) map[string]Flag {
	q := map[string]Flag{}
	if !g.layers.Text {
		return q
	}
	for _, t := range tools {
		if f, bad := g.screenMeta(t); bad {
			q[t.Qualified] = f
			continue
		}
		// Instructions hidden in a tool name: snake_case or dotted words.
		spaced := strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(t.Name)
		if ms := text.ScanInjection(spaced); len(ms) > 0 {
			f := Flag{Kind: "quarantined", Source: t.Qualified, Detail: "instruction-like tool name (" + ms[0].Rule + "); the tool is hidden and cannot be called"}
			q[t.Qualified] = f
		}
	}
	byServer := map[string]map[string]bool{}
	for _, o := range tools {
		if byServer[o.Server] == nil {
			byServer[o.Server] = map[string]bool{}
		}
		byServer[o.Server][o.Name] = true
	}
	for _, t := range tools {
		if g.trusted[t.Server] {
			continue
		}
		if f, bad := pointsElsewhere(t, byServer); bad {
			q[t.Qualified] = f
			continue
		}
		for _, o := range tools {
			if o.Server == t.Server || !g.trusted[o.Server] {
				continue
			}
			// An untrusted tool named like a trusted server's tool (the same
			// name, or a look-alike), or whose description points at a
			// trusted tool, is there to be picked instead of it.
			imitates := t.Name == o.Name || (t.Qualified != o.Qualified && (text.LookAlike(t.Qualified, o.Qualified) || text.LookAlike(t.Name, o.Name)))
			points := len(o.Name) >= 6 && o.Name != t.Name && strings.Contains(strings.ToLower(t.Description), strings.ToLower(o.Name))
			if imitates || points {
				q[t.Qualified] = Flag{Kind: "shadowing", Source: t.Qualified,
					Detail: fmt.Sprintf("untrusted server %s offers a tool that imitates or points at trusted %s; it is hidden and cannot be called", t.Server, o.Qualified)}
				break
			}
		}
	}
	return q
}

// pointsElsewhere reports an untrusted tool whose description names another
// server's tool ("access.get_passkey is deprecated, use this one"), or whose
// name spells a call of another server's tool (call__doors__grant__...).
func pointsElsewhere(t *catalog.Tool, byServer map[string]map[string]bool) (Flag, bool) {
	desc := strings.ToLower(t.Description + " " + t.Title)
	tokens := strings.FieldsFunc(strings.ToLower(t.Name), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	for server, names := range byServer {
		if server == t.Server {
			continue
		}
		ls := strings.ToLower(server)
		for name := range names {
			if strings.Contains(desc, ls+"."+strings.ToLower(name)) {
				return Flag{Kind: "shadowing", Source: t.Qualified,
					Detail: fmt.Sprintf("its description points at %s.%s of another server; it is hidden and cannot be called", server, name)}, true
			}
		}
		for i := 0; i+1 < len(tokens); i++ {
			if tokens[i] == ls && names[tokens[i+1]] {
				return Flag{Kind: "shadowing", Source: t.Qualified,
					Detail: fmt.Sprintf("its name refers to %s.%s of another server; it is hidden and cannot be called", server, tokens[i+1])}, true
			}
		}
	}
	return Flag{}, false
}

// screenMeta scans one tool's metadata, once per definition (cached by the
// definition hash: a catalog update re-screens only what changed).
func (g *Gate) screenMeta(t *catalog.Tool) (Flag, bool) {
	key := t.Qualified + "\x00" + t.Hash
	if v, ok := g.metaCache.Load(key); ok {
		f, _ := v.(*Flag)
		return derefFlag(f)
	}
	var f *Flag
	if ms := text.ScanToolMetadata(t.Name, t.Title, t.Description, t.InputSchema); len(ms) > 0 {
		m := matchFlags(ms, t.Qualified)[0]
		f = &Flag{Kind: "quarantined", Source: t.Qualified, Detail: "instruction-like text in the tool's metadata (" + m.Detail + "); the tool is hidden and cannot be called"}
	}
	g.metaCache.Store(key, f)
	return derefFlag(f)
}

func derefFlag(f *Flag) (Flag, bool) {
	if f == nil {
		return Flag{}, false
	}
	return *f, true
}

// ModelResult makes a pass-through result safe for the model: instruction-
// like text in its text content and structured content is replaced.
// structured, when set, is the structured content already encoded as JSON
// (it spares an encoding on the hot path).
func (g *Gate) ModelResult(t *catalog.Tool, res *mcp.CallToolResult, structured json.RawMessage) (*mcp.CallToolResult, []Flag) {
	if !g.layers.Text || res == nil {
		return res, nil
	}
	out := *res
	out.Content = make([]mcp.Content, 0, len(res.Content))
	var all []text.Match
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			s, ms := text.Neutralize(tc.Text, t.Server)
			all = append(all, ms...)
			cp := *tc
			cp.Text = s
			c = &cp
		}
		out.Content = append(out.Content, c)
	}
	if res.StructuredContent != nil {
		b := structured
		if b == nil {
			b, _ = json.Marshal(res.StructuredContent)
		}
		if b != nil {
			v, ms := text.NeutralizeJSON(b, t.Server)
			all = append(all, ms...)
			out.StructuredContent = v
		}
	}
	return &out, matchFlags(all, t.Qualified)
}
