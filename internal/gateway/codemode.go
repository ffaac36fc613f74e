package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/codeapi"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/sandbox"
)

const serverInstructions = `cemcp gives you every tool of many MCP servers through code.
1. search_tools: find tools by what you want to do (plain language).
2. describe_tools: read the TypeScript declarations of the tools you picked.
3. execute_code: write ONE program that calls them (await tools.server.tool({...})),
   combines and filters the results, and prints or returns only what you need.
Intermediate results stay inside the program; only its output comes back.`

// SearchInput is the input of search_tools.
type SearchInput struct {
	Query string `json:"query" jsonschema:"what you want to do, in plain words (e.g. 'hourly weather forecast for a city')"`
	Limit int    `json:"limit,omitempty" jsonschema:"maximum number of results (default 10, at most 50)"`
}

// SearchHit is one result of search_tools.
type SearchHit struct {
	Name    string  `json:"name" jsonschema:"qualified name server.tool"`
	Summary string  `json:"summary"`
	Score   float64 `json:"score"`
}

// SearchOutput is the output of search_tools.
type SearchOutput struct {
	Tools []SearchHit `json:"tools"`
	Total int         `json:"total" jsonschema:"number of tools in the catalog"`
}

// DescribeInput is the input of describe_tools.
type DescribeInput struct {
	Names    []string `json:"names" jsonschema:"qualified tool names (server.tool) or whole server names"`
	Language string   `json:"language,omitempty" jsonschema:"typescript (default) or python: the language of the declarations"`
}

// DescribeOutput is the output of describe_tools.
type DescribeOutput struct {
	Declarations string   `json:"declarations"`
	Tools        []string `json:"tools" jsonschema:"the qualified names described"`
	Unknown      []string `json:"unknown,omitempty" jsonschema:"names that matched no tool or server"`
}

// ExecuteInput is the input of execute_code.
type ExecuteInput struct {
	Code      string `json:"code" jsonschema:"the program body; top-level await and return are allowed"`
	Language  string `json:"language,omitempty" jsonschema:"typescript (default), javascript or python"`
	TimeoutMs int    `json:"timeout_ms,omitempty" jsonschema:"wall-clock limit for the run in milliseconds (bounded by the gateway's maximum)"`
}

// ExecuteOutput is the structured result of execute_code.
type ExecuteOutput struct {
	RunID    string            `json:"run_id"`
	Output   string            `json:"output"`
	Result   any               `json:"result,omitempty" jsonschema:"the program's return value (any JSON)"`
	Calls    []CallRecord      `json:"calls"`
	Flags    []Flag            `json:"flags"`
	Error    *sandbox.RunError `json:"error,omitempty"`
	Ms       int64             `json:"ms"`
	Isolated bool              `json:"isolated" jsonschema:"whether the program ran in the OS jail"`
}

func boolPtr(b bool) *bool { return &b }

func (g *Gateway) addCodeModeTools() {
	ro := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: boolPtr(false), OpenWorldHint: boolPtr(false)}
	mcp.AddTool(g.server, &mcp.Tool{
		Name:  "search_tools",
		Title: "Search tools",
		Description: "Find tools across every connected MCP server by describing what you want to do. " +
			"Returns qualified names (server.tool) with one-line summaries, best first. " +
			"Then call describe_tools with the names you want.",
		Annotations: ro,
	}, g.handleSearch)
	mcp.AddTool(g.server, &mcp.Tool{
		Name:  "describe_tools",
		Title: "Describe tools",
		Description: "Show the TypeScript declarations (inputs, outputs, docs) of tools, given qualified names " +
			"(server.tool) or whole server names. Use them in execute_code as await tools.server.tool({...}).",
		Annotations: ro,
	}, g.handleDescribe)
	mcp.AddTool(g.server, &mcp.Tool{
		Name:  "execute_code",
		Title: "Execute code",
		Description: "Run one TypeScript program (or javascript/python) that calls tools: " +
			"`const r = await tools.server.tool({...})`, `await Promise.all([...])`, `tools.call(\"server.tool\", args)`. " +
			"Top-level await and return work. Only what the program prints (console.log) and returns comes back, " +
			"so filter and summarize inside the program. Failed calls throw ToolError (server, tool, code, message). " +
			"The program has no network, files or other host access; every call is checked by the gateway.",
		Annotations: &mcp.ToolAnnotations{DestructiveHint: boolPtr(true), OpenWorldHint: boolPtr(true)},
	}, g.handleExecute)
}

func (g *Gateway) handleSearch(ctx context.Context, _ *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	out := g.Search(in.Query, in.Limit)
	var b strings.Builder
	if len(out.Tools) == 0 {
		fmt.Fprintf(&b, "No tool matches %q among %d tools. Try other words, or describe_tools with a server name: %s.",
			in.Query, out.Total, strings.Join(g.cat.Servers(), ", "))
	}
	for _, h := range out.Tools {
		fmt.Fprintf(&b, "%s — %s\n", h.Name, h.Summary)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: b.String()}}}, out, nil
}

// Search runs search_tools.
func (g *Gateway) Search(query string, limit int) SearchOutput {
	if limit <= 0 {
		limit = 10
	}
	limit = min(limit, 50)
	hits := g.cat.Search(query, limit+len(g.Quarantined()))
	out := SearchOutput{Tools: []SearchHit{}, Total: len(g.visibleTools(g.cat.Tools()))}
	for _, h := range hits {
		if _, bad := g.quarantined(h.Tool.Qualified); bad {
			continue
		}
		if len(out.Tools) == limit {
			break
		}
		out.Tools = append(out.Tools, SearchHit{Name: h.Tool.Qualified, Summary: codeapi.Summary(h.Tool), Score: round2(h.Score)})
	}
	return out
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func (g *Gateway) handleDescribe(ctx context.Context, _ *mcp.CallToolRequest, in DescribeInput) (*mcp.CallToolResult, DescribeOutput, error) {
	out, err := g.Describe(in.Names, in.Language)
	if err != nil {
		return toolErrorResult(err.Error()), DescribeOutput{}, nil
	}
	text := out.Declarations
	if len(out.Unknown) > 0 {
		text += fmt.Sprintf("\n// Not found: %s. Use search_tools to find names.\n", strings.Join(out.Unknown, ", "))
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: text}}}, out, nil
}

// Describe runs describe_tools.
func (g *Gateway) Describe(names []string, language string) (DescribeOutput, error) {
	if len(names) == 0 {
		return DescribeOutput{}, fmt.Errorf("describe_tools needs at least one name: a qualified tool name (server.tool) or a server name; servers: %s",
			strings.Join(g.cat.Servers(), ", "))
	}
	var picked []*catalog.Tool
	seen := map[string]bool{}
	out := DescribeOutput{Tools: []string{}}
	for _, n := range names {
		n = strings.TrimSpace(n)
		var ts []*catalog.Tool
		if t, ok := g.cat.Lookup(n); ok {
			ts = []*catalog.Tool{t}
		} else if st := g.cat.ServerTools(n); len(st) > 0 {
			ts = st
		} else if s, tool, ok := strings.Cut(n, "__"); ok {
			if t, ok := g.cat.Lookup(s + "." + tool); ok {
				ts = []*catalog.Tool{t}
			}
		}
		ts = g.visibleTools(ts)
		if len(ts) == 0 {
			out.Unknown = append(out.Unknown, n)
			continue
		}
		for _, t := range ts {
			if !seen[t.Qualified] {
				seen[t.Qualified] = true
				picked = append(picked, t)
				out.Tools = append(out.Tools, t.Qualified)
			}
		}
	}
	switch language {
	case "", "typescript", "ts", "javascript", "js":
		out.Declarations = codeapi.TypeScript(picked)
	case "python", "py":
		out.Declarations = codeapi.Python(picked)
	default:
		return DescribeOutput{}, fmt.Errorf("language %q: use typescript or python", language)
	}
	return out, nil
}

func (g *Gateway) handleExecute(ctx context.Context, req *mcp.CallToolRequest, in ExecuteInput) (*mcp.CallToolResult, ExecuteOutput, error) {
	if usesMultiRoundTrip(req) {
		if req.Params.RequestState != "" {
			return g.resumeRun(ctx, req)
		}
		return g.awaitRun(ctx, g.runPending(in, req))
	}
	var appr gate.Approver
	if req.Session != nil {
		appr = elicitApprover{req.Session}
	}
	out := g.execute(ctx, in, req.Session, appr)
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: out.Text()}}, IsError: out.Error != nil}
	return res, out, nil
}

// Execute runs one program through the executor, with every tool call going
// through the gateway's call path. With no client session, calls that need
// the user's approval are denied.
func (g *Gateway) Execute(ctx context.Context, in ExecuteInput) ExecuteOutput {
	return g.execute(ctx, in, nil, nil)
}

func (g *Gateway) execute(ctx context.Context, in ExecuteInput, ss *mcp.ServerSession, appr gate.Approver) (out ExecuteOutput) {
	start := time.Now()
	g.act.Add(1)
	lang := sandbox.Language(strings.ToLower(strings.TrimSpace(in.Language)))
	run := g.newRun(newRunID(), string(lang), in.Code, ss, appr)
	out = ExecuteOutput{RunID: run.id}
	defer func() { run.finish(out) }()
	switch lang {
	case "", "ts":
		lang = sandbox.TypeScript
	case "js":
		lang = sandbox.JavaScript
	case "py":
		lang = sandbox.Python
	case sandbox.TypeScript, sandbox.JavaScript, sandbox.Python:
	default:
		out.Error = &sandbox.RunError{Kind: "unsupported", Message: fmt.Sprintf("language %q is not supported; use typescript, javascript or python", in.Language)}
		out.Calls, out.Flags = run.snapshot()
		return out
	}
	if strings.TrimSpace(in.Code) == "" {
		out.Error = &sandbox.RunError{Kind: "syntax", Message: "code is empty: write a program that calls tools, e.g. return await tools.server.tool({...})"}
		out.Calls, out.Flags = run.snapshot()
		return out
	}
	sb := g.cfg.Cemcp.Sandbox
	limits := sandbox.Limits{
		Timeout:        sb.Timeout,
		MaxOutputBytes: sb.MaxOutputBytes,
		MaxToolCalls:   sb.MaxToolCalls,
		MaxConcurrency: sb.MaxConcurrency,
		MaxCallDepth:   sb.MaxCallDepth,
		MemoryBytes:    sb.MemoryBytes,
		MaxPids:        sb.MaxPids,
	}
	if in.TimeoutMs > 0 {
		limits.Timeout = time.Duration(in.TimeoutMs) * time.Millisecond
		if sb.MaxTimeout > 0 && limits.Timeout > sb.MaxTimeout {
			limits.Timeout = sb.MaxTimeout
		}
	}
	if p := g.cfg.Cemcp.Policy.MaxCallsPerRun; p > 0 {
		limits.MaxToolCalls = p
	}
	js, perr := g.pre(ctx, run, in.Code, lang)
	if perr == nil {
		perr = g.judgePre(ctx, run, in, string(lang))
	}
	if perr != nil {
		out.Error = perr
		out.Calls, out.Flags = run.snapshot()
		return out
	}
	req := &sandbox.Request{RunID: run.id, Language: lang, Code: in.Code, JS: js, Tools: g.toolRefs(), Limits: limits}
	resp, err := g.exec.Execute(ctx, req, g.innerCaller(run))
	out.Isolated = g.exec.Isolated()
	if err != nil {
		g.log.Error("executor failed", "run", run.id, "err", err)
		out.Error = &sandbox.RunError{Kind: "internal", Message: "the executor failed: " + err.Error()}
	} else {
		output, result, flags := g.gate.Post(run.gr, resp.Output, resp.Result, limits.MaxOutputBytes)
		out.Output = output
		if len(result) > 0 {
			out.Result = result
		}
		run.addFlags(flags)
		out.Error = resp.Error
		if resp.Truncated {
			run.addFlag(Flag{Kind: "truncated", Source: "output", Detail: fmt.Sprintf("output cut at %d bytes", limits.MaxOutputBytes)})
		}
		if resp.Error != nil && (resp.Error.Kind == "limit" || resp.Error.Kind == "timeout") {
			run.addFlag(Flag{Kind: "limit", Source: "sandbox", Detail: resp.Error.Limit + ": " + resp.Error.Message})
		}
	}
	g.judgePost(ctx, run, in, string(lang), &out)
	out.Ms = time.Since(start).Milliseconds()
	out.Calls, out.Flags = run.snapshot()
	g.log.Info("run", "run", run.id, "lang", lang, "calls", len(out.Calls), "ms", out.Ms, "error", out.Error != nil)
	return out
}

// toolRefs lists every callable tool for the program's tools object.
func (g *Gateway) toolRefs() []sandbox.ToolRef {
	tools := g.visibleTools(g.cat.Tools())
	refs := make([]sandbox.ToolRef, 0, len(tools))
	for _, t := range tools {
		refs = append(refs, sandbox.ToolRef{Qualified: t.Qualified, JSServer: t.JSServer, JSName: t.JSName})
	}
	return refs
}

// Text is what the model reads: output, result, and error.
func (o ExecuteOutput) Text() string {
	var b strings.Builder
	if o.Output != "" {
		b.WriteString(o.Output)
		if !strings.HasSuffix(o.Output, "\n") {
			b.WriteString("\n")
		}
	}
	if r, ok := o.Result.(json.RawMessage); ok && len(r) > 0 && string(r) != "null" {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("Result: ")
		b.Write(r)
		b.WriteString("\n")
	}
	if o.Error != nil {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Error (%s", o.Error.Kind)
		if o.Error.Line > 0 {
			fmt.Fprintf(&b, ", line %d", o.Error.Line)
		}
		fmt.Fprintf(&b, "): %s\n", o.Error.Message)
	}
	for _, f := range o.Flags {
		if f.Kind == "static" && o.Error != nil && o.Error.Kind == "blocked" {
			continue // the error already gives these reasons
		}
		fmt.Fprintf(&b, "[cemcp flag %s from %s: %s]\n", f.Kind, f.Source, f.Detail)
	}
	if b.Len() == 0 {
		b.WriteString("(no output; the program printed nothing and returned undefined)\n")
	}
	return b.String()
}

func toolErrorResult(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: msg}}, IsError: true}
}
