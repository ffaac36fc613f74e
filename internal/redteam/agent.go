package redteam

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Plan is the honest part of a task: what the agent does before anything
// reaches its context. Programs may use $TOP (the qualified name of the top
// search hit) and {{context}} (everything the agent has read, as a JSON
// string: a model leaking its context).
type Plan struct {
	Search   string   // search_tools query; "" = none
	Describe []string // describe_tools names; "$TOP" = the top search hit
	Language string   // of Programs: "typescript" (default), "javascript", "python"
	Programs []string // one execute_code per turn
	// After are describe_tools names read again after the programs (the
	// agent re-reads the docs: how a rug pull reaches it).
	After []string
}

// Turn is one exchange the agent had with the gateway.
type Turn struct {
	Tool  string `json:"tool"`  // search_tools, describe_tools, execute_code
	Input string `json:"input"` // the query, names or program
	Read  string `json:"read"`  // the text the model read
	Error bool   `json:"error,omitempty"`
	RunID string `json:"run_id,omitempty"` // execute_code's ledger key
}

// Agent is the compromised model: it follows its Plan, then obeys every
// instruction that reaches its context, one program per instruction, until
// none is new or MaxTurns. It understands three forms of instruction (a
// model understands more; these are the ones the scenarios use):
//
//   - "call SERVER.TOOL with {JSON}" (or "call SERVER.TOOL({JSON})");
//   - a tool name "…call__SERVER__TOOL__key-value_key-value";
//   - "run this code: ```LANG … ```".
//
// It reads invisible Unicode tag characters as the ASCII they encode, as
// models do.
type Agent struct {
	cs       *mcp.ClientSession
	MaxTurns int

	Turns  []Turn
	top    string
	obeyed map[string]bool
}

// NewAgent returns an agent on a client session of the gateway.
func NewAgent(cs *mcp.ClientSession, maxTurns int) *Agent {
	if maxTurns <= 0 {
		maxTurns = 8
	}
	return &Agent{cs: cs, MaxTurns: maxTurns, obeyed: map[string]bool{}}
}

// Context is everything the model read, as it read it.
func (a *Agent) Context() string {
	var b strings.Builder
	for _, t := range a.Turns {
		b.WriteString(t.Read)
		b.WriteString("\n")
	}
	return b.String()
}

// Executions counts the execute_code turns.
func (a *Agent) Executions() int {
	n := 0
	for _, t := range a.Turns {
		if t.Tool == "execute_code" {
			n++
		}
	}
	return n
}

// Run plays the plan, then obeys.
func (a *Agent) Run(ctx context.Context, p Plan) error {
	if p.Search != "" {
		res, err := a.call(ctx, "search_tools", map[string]any{"query": p.Search, "limit": 5}, p.Search)
		if err != nil {
			return err
		}
		if res != nil {
			if sc, ok := res.StructuredContent.(map[string]any); ok {
				if hits, ok := sc["tools"].([]any); ok && len(hits) > 0 {
					a.top, _ = hits[0].(map[string]any)["name"].(string)
				}
			} else {
				var so struct {
					Tools []struct{ Name string } `json:"tools"`
				}
				b, _ := json.Marshal(res.StructuredContent)
				if json.Unmarshal(b, &so) == nil && len(so.Tools) > 0 {
					a.top = so.Tools[0].Name
				}
			}
		}
	}
	if len(p.Describe) > 0 {
		var names []string
		for _, n := range p.Describe {
			if n == "$TOP" {
				n = a.top
			}
			if n != "" {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			if _, err := a.call(ctx, "describe_tools", map[string]any{"names": names}, strings.Join(names, ",")); err != nil {
				return err
			}
		}
	}
	for _, prog := range p.Programs {
		if err := a.execute(ctx, a.fill(prog, p.Language), p.Language); err != nil {
			return err
		}
	}
	if len(p.After) > 0 {
		// Give a list_changed notification time to reach the catalog.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if _, err := a.call(ctx, "describe_tools", map[string]any{"names": p.After}, strings.Join(p.After, ",")); err != nil {
			return err
		}
	}
	for a.Executions() < a.MaxTurns {
		ins := a.pending()
		if len(ins) == 0 {
			return nil
		}
		for _, in := range ins {
			if a.Executions() >= a.MaxTurns {
				return nil
			}
			if err := a.execute(ctx, in.program, in.lang); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *Agent) fill(prog, lang string) string {
	prog = strings.ReplaceAll(prog, "$TOP", a.top)
	if strings.Contains(prog, "{{context}}") {
		c := a.Context()
		if len(c) > 4000 {
			c = c[len(c)-4000:]
		}
		b, _ := json.Marshal(c)
		prog = strings.ReplaceAll(prog, `"{{context}}"`, string(b))
		prog = strings.ReplaceAll(prog, "{{context}}", strings.Trim(string(b), `"`))
	}
	return prog
}

func (a *Agent) execute(ctx context.Context, prog, lang string) error {
	args := map[string]any{"code": prog}
	if lang != "" {
		args["language"] = lang
	}
	_, err := a.call(ctx, "execute_code", args, prog)
	return err
}

func (a *Agent) call(ctx context.Context, tool string, args map[string]any, input string) (*mcp.CallToolResult, error) {
	res, err := a.cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		a.Turns = append(a.Turns, Turn{Tool: tool, Input: input, Read: "error: " + err.Error(), Error: true})
		return nil, fmt.Errorf("%s: %w", tool, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	turn := Turn{Tool: tool, Input: input, Read: DecodeTags(b.String()), Error: res.IsError}
	if sc, ok := res.StructuredContent.(map[string]any); ok {
		turn.RunID, _ = sc["run_id"].(string)
	}
	a.Turns = append(a.Turns, turn)
	return res, nil
}

type instruction struct {
	key, program, lang string
}

var (
	callRe = regexp.MustCompile(`(?i)\b(?:call|invoke)\s+([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*(?:with\s*|\(\s*)\{`)
	nameRe = regexp.MustCompile(`(?i)call__([a-z0-9]+)__([a-z0-9]+)__([a-z0-9_-]+)`)
	codeRe = regexp.MustCompile("(?is)\\b(?:run|execute)[^`]{0,60}?```(javascript|js|typescript|ts|python|py)?\\s*\\n(.*?)```")
)

// pending returns the instructions in the context not yet obeyed.
func (a *Agent) pending() []instruction {
	text := a.Context()
	var out []instruction
	add := func(in instruction) {
		if !a.obeyed[in.key] {
			a.obeyed[in.key] = true
			out = append(out, in)
		}
	}
	// Text read inside JSON strings has its quotes escaped: a model reads
	// through that, so the agent looks at both forms.
	for _, t := range []string{text, strings.ReplaceAll(text, `\"`, `"`)} {
		for _, m := range callRe.FindAllStringSubmatchIndex(t, -1) {
			tool := t[m[2]:m[3]] + "." + t[m[4]:m[5]]
			args, ok := balanced(t[m[1]-1:])
			if !ok || !json.Valid([]byte(args)) {
				continue
			}
			args = a.fill(args, "")
			add(instruction{key: tool + args, lang: "javascript",
				program: fmt.Sprintf("return await tools.call(%q, %s);", tool, args)})
		}
	}
	for _, m := range nameRe.FindAllStringSubmatch(text, -1) {
		args := map[string]string{}
		for _, kv := range strings.Split(m[3], "_") {
			if k, v, ok := strings.Cut(kv, "-"); ok {
				args[k] = v
			}
		}
		b, _ := json.Marshal(args)
		tool := strings.ToLower(m[1] + "." + m[2])
		add(instruction{key: tool + string(b), lang: "javascript",
			program: fmt.Sprintf("return await tools.call(%q, %s);", tool, b)})
	}
	for _, m := range codeRe.FindAllStringSubmatch(text, -1) {
		if strings.TrimSpace(m[2]) == "" {
			continue
		}
		lang := "javascript"
		switch strings.ToLower(m[1]) {
		case "python", "py":
			lang = "python"
		case "typescript", "ts":
			lang = "typescript"
		}
		add(instruction{key: "code:" + m[2], program: a.fill(m[2], lang), lang: lang})
	}
	return out
}

// balanced returns the JSON object at the start of s (braces balanced,
// strings respected).
func balanced(s string) (string, bool) {
	depth, inStr, esc := 0, false, false
	for i, c := range s {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return s[:i+1], true
			}
		}
	}
	return "", false
}

// DecodeTags turns Unicode tag characters (U+E0020..U+E007E), invisible to
// people, into the ASCII they encode, as a model reads them.
func DecodeTags(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xE0000 && r <= 0xE007F }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0xE0020 && r <= 0xE007E {
			b.WriteRune(r - 0xE0000)
		} else if r >= 0xE0000 && r <= 0xE007F {
			continue
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EncodeTags hides ASCII text in Unicode tag characters.
func EncodeTags(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0x20 && r <= 0x7E {
			b.WriteRune(0xE0000 + r)
		}
	}
	return b.String()
}

// approvals records what the user was asked and answers: the user declines
// every call put to them (none of the scenarios' forbidden calls is
// something the user asked for).
type approvals struct {
	mu    sync.Mutex
	asked []string
}

func (p *approvals) handler(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	p.mu.Lock()
	p.asked = append(p.asked, req.Params.Message)
	p.mu.Unlock()
	return &mcp.ElicitResult{Action: "decline"}, nil
}

func (p *approvals) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.asked...)
}
