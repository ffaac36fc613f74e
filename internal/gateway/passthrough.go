package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/upstream"
)

// passthroughName is the name under which a tool is served directly.
func passthroughName(server, tool, names string) string {
	if names == "original" {
		return tool
	}
	return server + "__" + tool
}

// servedTool is one pass-through tool as served: which catalog tool, and
// the definition hash it was added with.
type servedTool struct {
	qualified, hash string
}

// syncPassthrough makes the directly served tools match the catalog for
// every server exposed as "passthrough": it removes what went away and adds
// only what is new or changed. The SDK notifies connected clients
// (notifications/tools/list_changed) when the set changes.
// Preconditions: g.syncMu is held (one sync at a time, each reading the
// latest catalog, so an older view never lands last).
func (g *Gateway) syncPassthrough() {
	type wanted struct {
		t    *catalog.Tool
		name string
	}
	want := map[string]wanted{}
	for _, t := range g.visibleTools(g.cat.Tools()) {
		e := g.cfg.ExposeFor(t.Server)
		if e.Mode != "passthrough" {
			continue
		}
		name := passthroughName(t.Server, t.Name, e.Names)
		if _, dup := want[name]; dup || isCodeModeTool(name) {
			// Two servers serve the same original name: keep both reachable
			// under their prefixed names.
			name = passthroughName(t.Server, t.Name, "prefixed")
		}
		want[name] = wanted{t: t, name: name}
	}

	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	served := g.passthrough
	g.mu.Unlock()

	var remove []string
	for name := range served {
		if _, ok := want[name]; !ok {
			remove = append(remove, name)
		}
	}
	sort.Strings(remove)
	if len(remove) > 0 {
		g.server.RemoveTools(remove...)
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	next := make(map[string]servedTool, len(want))
	for _, name := range names {
		t := want[name].t
		st := servedTool{qualified: t.Qualified, hash: t.Hash}
		next[name] = st
		if served[name] == st {
			continue // unchanged: no re-add, no notification
		}
		var in any = json.RawMessage(t.InputSchema)
		var outSchema any
		if len(t.OutputSchema) > 0 {
			outSchema = json.RawMessage(t.OutputSchema)
		}
		g.server.AddTool(&mcp.Tool{Name: name, Title: t.Title, Description: t.Description, InputSchema: in, OutputSchema: outSchema, Annotations: t.Annotations},
			g.passthroughHandler(t.Qualified))
	}
	g.mu.Lock()
	g.passthrough = next
	g.mu.Unlock()
}

func isCodeModeTool(name string) bool {
	return name == "search_tools" || name == "describe_tools" || name == "execute_code"
}

// passthroughHandler serves one upstream tool directly, through the same
// call path as inner calls.
func (g *Gateway) passthroughHandler(qualified string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var args json.RawMessage
		var token any
		if req.Params != nil {
			args, token = req.Params.Arguments, req.Params.GetProgressToken()
		}
		return g.passthroughCall(ctx, req.Session, qualified, args, token)
	}
}

// passthroughCall makes one pass-through call for session ss (nil: none),
// from the SDK's handler or the stdio fast path: the upstream's progress,
// logs, sampling and elicitation go to the client, and approvals are asked
// by elicitation (a multi-round-trip client is not asked: such calls are
// denied).
func (g *Gateway) passthroughCall(ctx context.Context, ss *mcp.ServerSession, qualified string, args json.RawMessage, progressToken any) (*mcp.CallToolResult, error) {
	opts := upstream.CallOptions{}
	var appr gate.Approver
	if ss != nil {
		opts.Downstream, opts.ProgressToken = sessionDownstream{ss}, progressToken
		if !sessionUsesMultiRoundTrip(ss) {
			appr = elicitApprover{ss}
		}
	}
	run := g.newRun("", "passthrough", "", ss, appr)
	return passthroughOutcome(g.callTool(ctx, run, qualified, args, opts))
}

// passthroughOutcome is what a pass-through call answers, given callTool's
// outcome: a result, a tool error as a result, or a protocol error.
func passthroughOutcome(res *mcp.CallToolResult, _ json.RawMessage, err error) (*mcp.CallToolResult, error) {
	var te *sandbox.ToolError
	switch {
	case err == nil:
		return res, nil
	case res != nil:
		// A tool-level error: the upstream's own result, as it is.
		return res, nil
	case errors.As(err, &te):
		return toolErrorResult(te.Message), nil
	default:
		return nil, err
	}
}

// sessionDownstream relays an upstream's progress, logs, sampling and
// elicitation during a pass-through call to the client that made it.
type sessionDownstream struct{ ss *mcp.ServerSession }

var _ upstream.Downstream = sessionDownstream{}

func (d sessionDownstream) Progress(ctx context.Context, p *mcp.ProgressNotificationParams) {
	_ = d.ss.NotifyProgress(ctx, p)
}

func (d sessionDownstream) Log(ctx context.Context, p *mcp.LoggingMessageParams) {
	_ = d.ss.Log(ctx, p)
}

func (d sessionDownstream) CreateMessage(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	return d.ss.CreateMessage(ctx, p)
}

func (d sessionDownstream) Can(method string) bool {
	p := d.ss.InitializeParams()
	if p == nil || p.Capabilities == nil {
		return false
	}
	switch method {
	case "elicitation/create":
		return p.Capabilities.Elicitation != nil
	case "sampling/createMessage":
		return p.Capabilities.Sampling != nil
	}
	return false
}

func (d sessionDownstream) Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	return d.ss.Elicit(ctx, p)
}
