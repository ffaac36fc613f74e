package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/tasks"
)

// Strategies (agents).
const (
	Coupled = "coupled"
	Search  = "search"
	Code    = "code"
)

// Strategies lists the agents in report order.
var Strategies = []string{Coupled, Search, Code}

// SystemPrompt is the system prompt every agent starts from. The code agent
// gets the gateway's server instructions appended, as MCP clients do.
const SystemPrompt = "You are an assistant with access to tools. Use them to answer the user's request accurately. " +
	"When you have everything you need, reply with the answer as one JSON object and nothing else."

// SearchLimit is the limit the agents pass to search_tools.
const SearchLimit = 5

// Timing is measured wall time of a turn or run, split into the time the
// upstream servers spent handling tools/call (Tool), the sandbox running the
// program apart from its tool calls (Sandbox), and everything else the
// gateway and the transports did (Gateway). Wall = Tool + Sandbox + Gateway.
// Model time is never part of it.
type Timing struct {
	WallMs    float64 `json:"wall_ms"`
	ToolMs    float64 `json:"tool_ms"`
	GatewayMs float64 `json:"gateway_ms"`
	SandboxMs float64 `json:"sandbox_ms"`
}

func (t *Timing) add(u Timing) {
	t.WallMs += u.WallMs
	t.ToolMs += u.ToolMs
	t.GatewayMs += u.GatewayMs
	t.SandboxMs += u.SandboxMs
}

// Turn is one model turn: a request (Input tokens) and a reply (Output
// tokens), then the tool calls of the reply and their results.
type Turn struct {
	Input        int     `json:"input_tokens"`
	Output       int     `json:"output_tokens"`
	SchemaTokens int     `json:"schema_tokens"` // tool definitions in the request
	Calls        int     `json:"tool_calls"`
	ResultBytes  int     `json:"result_bytes"` // tool results that entered the context after the reply
	Measured     Timing  `json:"measured"`
	ModelMs      float64 `json:"model_ms"` // from the cost model (replay) or measured (LLM driver)
}

// Run is one task answered by one agent on one setup.
type Run struct {
	Task         string  `json:"task"`
	Category     string  `json:"category"`
	Strategy     string  `json:"strategy"`
	Driver       string  `json:"driver"`          // "replay" or "llm"
	Sweep        string  `json:"sweep,omitempty"` // "servers" or "tools"
	X            int     `json:"x,omitempty"`     // the sweep's variable: servers, or distractor tools
	Setup        Setup   `json:"setup"`
	Servers      int     `json:"servers"`       // connected servers
	CatalogTools int     `json:"catalog_tools"` // tools in the catalog
	Turns        []Turn  `json:"turns"`
	Input        int     `json:"input_tokens"`
	Output       int     `json:"output_tokens"`
	ToolCalls    int     `json:"tool_calls"`   // upstream tool calls (inside programs too)
	ModelCalls   int     `json:"model_calls"`  // tool calls the model made
	ResultBytes  int     `json:"result_bytes"` // bytes of tool results in the context
	Measured     Timing  `json:"measured"`
	ModelMs      float64 `json:"model_ms"`
	Correct      bool    `json:"correct"`
	CheckError   string  `json:"check_error,omitempty"`
	// SearchRecall is the share of the tools the task needs that the
	// agent's searches returned (search and code agents).
	SearchRecall float64 `json:"search_recall,omitempty"`
	Predicted    int     `json:"predicted_tokens"`
	Sizes        Sizes   `json:"sizes"`
}

// Total returns input plus output tokens.
func (r *Run) Total() int { return r.Input + r.Output }

func (r *Run) finish(cm CostModel) {
	r.Input, r.Output, r.ModelCalls, r.ResultBytes = 0, 0, 0, 0
	r.Measured, r.ModelMs = Timing{}, 0
	for i := range r.Turns {
		t := &r.Turns[i]
		if r.Driver == "replay" {
			t.ModelMs = cm.TurnMs(t.Input, t.Output)
		}
		r.Input += t.Input
		r.Output += t.Output
		r.ModelCalls += t.Calls
		r.ResultBytes += t.ResultBytes
		r.Measured.add(t.Measured)
		r.ModelMs += t.ModelMs
	}
}

// Replayer plays tasks' reference solutions through a gateway (Env) and
// accounts for them.
type Replayer struct {
	Counter *Counter
	Cost    CostModel
	checks  sync.Map // task+answer -> error string
}

// Replay answers tk with one agent on e.
func (rp *Replayer) Replay(ctx context.Context, e *Env, tk tasks.Task, strategy string) (*Run, error) {
	run := &Run{Task: tk.ID, Category: tk.Category, Strategy: strategy, Driver: "replay", Setup: e.Setup,
		Servers: len(e.GW.Status()), CatalogTools: len(e.Tools)}
	var answer json.RawMessage
	var err error
	switch strategy {
	case Coupled, Search:
		answer, err = rp.replayPlan(ctx, e, tk, strategy, run)
	case Code:
		answer, err = rp.replayCode(ctx, e, tk, run)
	default:
		return nil, fmt.Errorf("unknown strategy %q", strategy)
	}
	if err != nil {
		return nil, fmt.Errorf("replay %s (%s): %w", tk.ID, strategy, err)
	}
	run.finish(rp.Cost)
	if cerr := rp.check(tk, answer); cerr != "" {
		run.CheckError = cerr
	} else {
		run.Correct = true
	}
	run.Predicted = Predict(run.Sizes, strategy).Total()
	return run, nil
}

func (rp *Replayer) check(tk tasks.Task, answer json.RawMessage) string {
	key := tk.ID + "\x00" + string(answer)
	if v, ok := rp.checks.Load(key); ok {
		return v.(string)
	}
	msg := ""
	if err := tk.Check(answer); err != nil {
		msg = err.Error()
	}
	rp.checks.Store(key, msg)
	return msg
}

// callResult is one tool call made through the gateway's MCP face.
type callResult struct {
	text       string          // what the model reads
	structured json.RawMessage // the structured content
	isError    bool
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func callTool(ctx context.Context, cs *mcp.ClientSession, name string, args any) (callResult, error) {
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return callResult{}, fmt.Errorf("call %s: %w", name, err)
	}
	cr := callResult{text: resultText(res), isError: res.IsError}
	if res.StructuredContent != nil {
		cr.structured, _ = json.Marshal(res.StructuredContent)
	}
	if cr.text == "" && cr.structured != nil {
		cr.text = string(cr.structured)
	}
	return cr, nil
}

// round runs calls concurrently, as a client does with the parallel tool
// calls of one reply, and times them.
func (rp *Replayer) round(ctx context.Context, e *Env, names []string, args []any) ([]callResult, Timing, error) {
	e.host.rec.reset()
	start := time.Now()
	res := make([]callResult, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Go(func() { res[i], errs[i] = callTool(ctx, e.Session, names[i], args[i]) })
	}
	wg.Wait()
	wall := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, Timing{}, err
		}
	}
	tool := e.host.rec.union(kindTool)
	exec := e.host.rec.union(kindExec)
	inner := e.host.rec.union(kindCall)
	sb := max(exec-inner, 0)
	t := Timing{WallMs: ms(wall), ToolMs: ms(tool), SandboxMs: ms(sb)}
	t.GatewayMs = max(t.WallMs-t.ToolMs-t.SandboxMs, 0)
	return res, t, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// passName is the pass-through name of a qualified tool.
func passName(qualified string) string { return strings.Replace(qualified, ".", "__", 1) }

func rawArgs(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// searchQuery is the query an agent sends to find a tool: its words and its
// server's name, as a model describing the capability would.
func searchQuery(qualified string) string {
	s, n, _ := strings.Cut(qualified, ".")
	return strings.ReplaceAll(n, "_", " ") + " " + s
}

// searchTurn has the agent search for every tool in want (one call each, in
// one reply) and returns the hits, appending the turn to the conversation.
func (rp *Replayer) searchTurn(ctx context.Context, e *Env, conv *Conversation, run *Run, want []string) ([]string, error) {
	var names []string
	var args []any
	msg := Message{Role: RoleAssistant}
	for i, w := range want {
		a := map[string]any{"query": searchQuery(w), "limit": SearchLimit}
		names, args = append(names, "search_tools"), append(args, a)
		msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: fmt.Sprintf("call_s%d", i), Name: "search_tools", Arguments: rawArgs(a)})
	}
	res, tm, err := rp.round(ctx, e, names, args)
	if err != nil {
		return nil, err
	}
	var hits []string
	for _, r := range res {
		var out struct{ Tools []struct{ Name string } }
		_ = json.Unmarshal(r.structured, &out)
		for _, h := range out.Tools {
			if !slices.Contains(hits, h.Name) {
				hits = append(hits, h.Name)
			}
		}
	}
	found := 0
	for _, w := range want {
		if slices.Contains(hits, w) {
			found++
		}
	}
	if len(want) > 0 {
		run.SearchRecall = float64(found) / float64(len(want))
	}
	rp.exchange(conv, run, msg, res, tm, KindJSON, KindText)
	return hits, nil
}

// exchange accounts one turn: the request as conv stands, the reply msg,
// then appends the reply and the tool results to conv.
func (rp *Replayer) exchange(conv *Conversation, run *Run, msg Message, res []callResult, tm Timing, callKind, resultKind string) {
	c := rp.Counter
	t := Turn{Input: c.Input(*conv), Output: c.Reply(msg), SchemaTokens: c.Tools(conv.Tools), Calls: len(msg.ToolCalls), Measured: tm}
	conv.Messages = append(conv.Messages, msg)
	x := Exchange{Calls: len(msg.ToolCalls), CallKind: callKind, ResultKind: resultKind}
	for _, tc := range msg.ToolCalls {
		x.CallBytes += len(tc.JSON())
	}
	for i, r := range res {
		conv.Messages = append(conv.Messages, Message{Role: RoleTool, ToolCallID: msg.ToolCalls[i].ID, Content: r.text})
		t.ResultBytes += len(r.text)
	}
	x.ResultBytes = t.ResultBytes
	run.Turns = append(run.Turns, t)
	if len(msg.ToolCalls) > 0 {
		run.Sizes.Exchanges = append(run.Sizes.Exchanges, x)
	} else {
		run.Sizes.AnswerBytes = len(msg.Content)
	}
}

// replayPlan plays the coupled plan, with every schema loaded (coupled) or
// with the tools found by search first (search).
func (rp *Replayer) replayPlan(ctx context.Context, e *Env, tk tasks.Task, strategy string, run *Run) (json.RawMessage, error) {
	conv := &Conversation{System: SystemPrompt, Messages: []Message{{Role: RoleUser, Content: tk.Request}}}
	sz := &run.Sizes
	sz.System, sz.Request = rp.Counter.Text(SystemPrompt), rp.Counter.Text(tk.Request)
	var loaded []ToolDef
	if strategy == Coupled {
		conv.Tools = e.Tools
		sz.SchemaTokens = rp.Counter.Tools(e.Tools)
	} else {
		conv.Tools = e.CodeTools[:0:0]
		for _, d := range e.CodeTools {
			if d.Name == "search_tools" {
				conv.Tools = append(conv.Tools, d)
			}
		}
		sz.SchemaTokens = rp.Counter.Tools(conv.Tools)
		// The plan is resolved round by round; the tools it needs are known
		// from the reference solution: the agent searches for all of them
		// in its first turn.
		want, err := planTools(ctx, e, tk)
		if err != nil {
			return nil, err
		}
		hits, err := rp.searchTurn(ctx, e, conv, run, want)
		if err != nil {
			return nil, err
		}
		for _, q := range append(hits, want...) {
			if d, ok := e.ToolNamed(passName(q)); ok && !slices.ContainsFunc(loaded, func(x ToolDef) bool { return x.Name == d.Name }) {
				loaded = append(loaded, d)
			}
		}
		conv.Tools = append(slices.Clone(conv.Tools), loaded...)
		sz.Exchanges[0].LoadTokens = rp.Counter.Tools(loaded)
	}
	var prev [][]json.RawMessage
	for i, r := range tk.Plan {
		calls := r.Resolve(prev)
		if len(calls) == 0 {
			return nil, fmt.Errorf("round %d has no calls", i)
		}
		msg := Message{Role: RoleAssistant}
		names := make([]string, len(calls))
		args := make([]any, len(calls))
		for j, c := range calls {
			names[j], args[j] = passName(c.Tool), c.Args
			tc := ToolCall{ID: fmt.Sprintf("call_%d_%d", i, j), Name: names[j], Arguments: rawArgs(c.Args)}
			msg.ToolCalls = append(msg.ToolCalls, tc)
			if strategy == Search {
				if d, ok := e.ToolNamed(tc.Name); ok && !slices.ContainsFunc(conv.Tools, func(x ToolDef) bool { return x.Name == d.Name }) {
					// A tool the searches missed: a real agent would search
					// again; the replay loads it.
					conv.Tools = append(conv.Tools, d)
					sz.Exchanges[len(sz.Exchanges)-1].LoadTokens += rp.Counter.Text(d.JSON())
				}
			}
		}
		res, tm, err := rp.round(ctx, e, names, args)
		if err != nil {
			return nil, fmt.Errorf("round %d: %w", i, err)
		}
		structured := make([]json.RawMessage, len(res))
		for j, x := range res {
			if x.isError {
				return nil, fmt.Errorf("round %d: %s: tool error: %s", i, names[j], x.text)
			}
			structured[j] = x.structured
		}
		rp.exchange(conv, run, msg, res, tm, KindJSON, KindJSON)
		run.ToolCalls += len(calls)
		prev = append(prev, structured)
	}
	answer := tk.Answer(prev)
	rp.exchange(conv, run, Message{Role: RoleAssistant, Content: string(answer)}, nil, Timing{}, "", "")
	return answer, nil
}

var (
	toolRefRE  = regexp.MustCompile(`tools\.([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\s*\(`)
	toolCallRE = regexp.MustCompile(`tools\.call\(\s*["'` + "`" + `]([\w.-]+)["'` + "`" + `]`)
)

// programTools lists the qualified tools a program calls, in order of
// first mention.
func programTools(e *Env, program string) []string {
	var out []string
	addQ := func(q string) {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	for _, m := range toolRefRE.FindAllStringSubmatch(program, -1) {
		if m[1] == "call" {
			continue
		}
		q := m[1] + "." + m[2]
		for _, t := range e.GW.Catalog().Tools() {
			if t.JSServer == m[1] && t.JSName == m[2] {
				q = t.Qualified
				break
			}
		}
		addQ(q)
	}
	for _, m := range toolCallRE.FindAllStringSubmatch(program, -1) {
		addQ(m[1])
	}
	return out
}

// planTools lists the qualified tools the coupled plan calls, resolving
// the plan through the task's oracle-free path: the calls of static rounds
// and, for rounds derived from results, the tools of the task's program.
func planTools(ctx context.Context, e *Env, tk tasks.Task) ([]string, error) {
	var out []string
	for _, r := range tk.Plan {
		for _, c := range r.Calls {
			if !slices.Contains(out, c.Tool) {
				out = append(out, c.Tool)
			}
		}
	}
	for _, q := range programTools(e, tk.Program) {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// replayCode plays the code agent: search, describe, execute the task's
// program, answer.
func (rp *Replayer) replayCode(ctx context.Context, e *Env, tk tasks.Task, run *Run) (json.RawMessage, error) {
	sys := SystemPrompt
	if e.Instructions != "" {
		sys += "\n\n" + e.Instructions
	}
	conv := &Conversation{System: sys, Tools: e.CodeTools, Messages: []Message{{Role: RoleUser, Content: tk.Request}}}
	sz := &run.Sizes
	sz.System, sz.Request = rp.Counter.Text(sys), rp.Counter.Text(tk.Request)
	sz.SchemaTokens = rp.Counter.Tools(e.CodeTools)
	want := programTools(e, tk.Program)
	if _, err := rp.searchTurn(ctx, e, conv, run, want); err != nil {
		return nil, err
	}
	// describe_tools
	da := map[string]any{"names": want}
	res, tm, err := rp.round(ctx, e, []string{"describe_tools"}, []any{da})
	if err != nil {
		return nil, err
	}
	if res[0].isError {
		return nil, fmt.Errorf("describe_tools: %s", res[0].text)
	}
	rp.exchange(conv, run, Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_d", Name: "describe_tools", Arguments: rawArgs(da)}}}, res, tm, KindJSON, KindCode)
	// execute_code
	xa := map[string]any{"code": tk.Program}
	res, tm, err = rp.round(ctx, e, []string{"execute_code"}, []any{xa})
	if err != nil {
		return nil, err
	}
	if res[0].isError {
		return nil, fmt.Errorf("execute_code: %s", res[0].text)
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Calls  []json.RawMessage
	}
	if err := json.Unmarshal(res[0].structured, &out); err != nil {
		return nil, fmt.Errorf("decode execute_code result: %w", err)
	}
	run.ToolCalls += len(out.Calls)
	rp.exchange(conv, run, Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "call_x", Name: "execute_code", Arguments: rawArgs(xa)}}}, res, tm, KindCode, KindJSON)
	answer := out.Result
	if len(answer) == 0 {
		answer = json.RawMessage("null")
	}
	rp.exchange(conv, run, Message{Role: RoleAssistant, Content: string(answer)}, nil, Timing{}, "", "")
	return answer, nil
}
