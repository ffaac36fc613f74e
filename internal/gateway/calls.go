package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/audit"
	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/gate/flow"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/upstream"
)

// CallRecord is one inner tool call of a run, as reported to the client in
// the structured content of execute_code ("calls").
type CallRecord struct {
	Tool     string `json:"tool"`
	Status   string `json:"status"` // "ok", "tool_error", "denied", "not_found", "timeout", "unavailable", "error"
	Ms       int64  `json:"ms"`
	Decision string `json:"decision"` // "allow", "deny", "approve:accepted", ...
	Error    string `json:"error,omitempty"`
}

// Flag is one finding of a run ("flags" in the structured content).
type Flag = gate.Flag

// runState collects what the calls of one run did and records it in the
// ledger. Safe for concurrent use: a program's calls run in parallel.
type runState struct {
	id     string
	gr     *gate.Run
	ledger *audit.Ledger // nil when the ledger is off
	q      *auditQueue
	log    *slog.Logger
	jc     *judgeCalls // nil unless the judge reviews output
	shared bool        // a session's pass-through run: no finish per call
	// quarantined are the tools hidden when the run began (recorded in the
	// ledger); tools hidden while it ran are recorded when it finishes.
	quarantined map[string]bool
	g           *Gateway

	mu    sync.Mutex
	seq   int          // guarded by mu
	calls []CallRecord // guarded by mu
	flags []Flag       // guarded by mu
}

// newRun starts a run: the gate's state, and its record in the ledger. ss
// is the client session the run serves (nil for `cemcp run`); appr asks
// the user for approvals (nil: calls that need approval are denied).
func (g *Gateway) newRun(id, language, code string, ss *mcp.ServerSession, appr gate.Approver) *runState {
	session := map[string]any{}
	client := "cli"
	if ss != nil {
		session["id"] = ss.ID()
		if p := ss.InitializeParams(); p != nil && p.ClientInfo != nil {
			client = p.ClientInfo.Name + "/" + p.ClientInfo.Version
			session["client"] = p.ClientInfo.Name
		}
	}
	if language == "" {
		language = string(sandbox.TypeScript)
	}
	if language == "passthrough" {
		// Pass-through calls of one session share one ledger run, begun at
		// the first call: one record per call, not three.
		id = g.passthroughRun(ss, client)
	}
	r := &runState{id: id, gr: g.gate.NewRun(id, language, session, appr, 0), ledger: g.ledger, q: g.auditQ, log: g.log}
	if ss != nil {
		r.gr.SetHistory(g.history(ss))
	}
	if g.judge != nil && g.cfg.Cemcp.Judge.Post {
		r.jc = &judgeCalls{}
	}
	if language == "passthrough" {
		r.shared = true
		return r
	}
	if r.ledger != nil {
		sid, _ := session["id"].(string)
		rec := audit.Run{ID: id, Session: sid, Client: client, Language: language, Code: code}
		r.q.push(func() {
			if err := r.ledger.BeginRun(noWait, rec); err != nil {
				g.log.Error("audit: begin run", "run", id, "err", err)
			}
		})
		// The run saw a catalog with these tools hidden: the ledger says so.
		r.quarantined = map[string]bool{}
		for name, f := range g.Quarantined() {
			r.quarantined[name] = true
			r.ledgerFlag(f)
		}
		r.g = g
	}
	return r
}

// maxHistories bounds the sessions whose history the gateway keeps.
const maxHistories = 1024

// history returns a session's data-flow history (what earlier runs
// returned to the model), creating it on first use.
func (g *Gateway) history(session *mcp.ServerSession) *flow.Tracker {
	g.mu.Lock()
	defer g.mu.Unlock()
	h, ok := g.histories[session]
	if !ok {
		if len(g.histories) >= maxHistories {
			for k := range g.histories { // evict one at random
				delete(g.histories, k)
				break
			}
		}
		h = gate.NewHistory()
		g.histories[session] = h
	}
	return h
}

// passthroughRun returns the ledger run of a session's pass-through calls,
// beginning it on first use.
func (g *Gateway) passthroughRun(ss *mcp.ServerSession, client string) string {
	sid := "cli"
	if ss != nil {
		sid = ss.ID()
	}
	g.mu.Lock()
	id, ok := g.ptRuns[ss]
	if !ok {
		id = newRunID() + "-passthrough"
		g.ptRuns[ss] = id
	}
	g.mu.Unlock()
	if !ok && g.ledger != nil {
		rec := audit.Run{ID: id, Session: sid, Client: client, Language: "passthrough"}
		g.auditQ.push(func() {
			if err := g.ledger.BeginRun(noWait, rec); err != nil {
				g.log.Error("audit: begin run", "run", id, "err", err)
			}
		})
	}
	return id
}

// finish records the end of a run.
func (r *runState) finish(out ExecuteOutput) {
	if r.ledger == nil || r.shared {
		return
	}
	if r.g != nil {
		for name, f := range r.g.Quarantined() {
			if !r.quarantined[name] {
				r.ledgerFlag(f)
			}
		}
	}
	f := audit.Finish{RunID: r.id, Status: "ok", OutputBytes: len(out.Output), Ms: out.Ms}
	if out.Error != nil {
		f.Status, f.Error = out.Error.Kind, out.Error.Message
	}
	r.q.push(func() {
		if err := r.ledger.FinishRun(noWait, f); err != nil {
			r.log.Error("audit: finish run", "run", r.id, "err", err)
		}
	})
}

func (r *runState) addCall(c CallRecord, args json.RawMessage, labels []string, rule, reason string, resultBytes int) {
	r.mu.Lock()
	r.seq++
	seq := r.seq
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	if r.ledger == nil {
		return
	}
	args = append(json.RawMessage(nil), args...)
	r.q.push(func() {
		h, _ := audit.HashArgs(args)
		err := r.ledger.RecordCall(noWait, audit.Call{RunID: r.id, Seq: seq, Tool: c.Tool, ArgsHash: h, Labels: labels,
			Decision: c.Decision, Rule: rule, Reason: reason, Status: c.Status, LatencyMs: c.Ms, ResultBytes: resultBytes})
		if err != nil {
			r.log.Error("audit: record call", "run", r.id, "err", err)
		}
	})
}

func (r *runState) addFlag(f Flag) {
	r.mu.Lock()
	r.flags = append(r.flags, f)
	r.mu.Unlock()
	if r.ledger == nil {
		return
	}
	r.q.push(func() {
		if err := r.ledger.RecordFlag(noWait, audit.Flag{RunID: r.id, Kind: f.Kind, Source: f.Source, Detail: f.Detail}); err != nil {
			r.log.Error("audit: record flag", "run", r.id, "err", err)
		}
	})
}

// ledgerFlag records a finding in the ledger only (not shown to the model).
func (r *runState) ledgerFlag(f Flag) {
	if r.ledger == nil {
		return
	}
	r.q.push(func() {
		if err := r.ledger.RecordFlag(noWait, audit.Flag{RunID: r.id, Kind: f.Kind, Source: f.Source, Detail: f.Detail}); err != nil {
			r.log.Error("audit: record flag", "run", r.id, "err", err)
		}
	})
}

func (r *runState) addFlags(fs []gate.Flag) {
	for _, f := range fs {
		r.addFlag(f)
	}
}

func (r *runState) snapshot() ([]CallRecord, []Flag) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := append([]CallRecord(nil), r.calls...)
	flags := append([]Flag(nil), r.flags...)
	if calls == nil {
		calls = []CallRecord{}
	}
	if flags == nil {
		flags = []Flag{}
	}
	return calls, flags
}

// maxErrorMessage bounds tool error text that reaches a program or the model.
const maxErrorMessage = 2000

// callTool is the single path of every tool call: inner calls from programs
// and pass-through calls from the client. The gate decides first; a call it
// does not allow never reaches the upstream. It returns the upstream result
// and its unwrapped value, or a *sandbox.ToolError for everything that kept
// the call from succeeding (with the upstream's result when the tool itself
// failed).
func (g *Gateway) callTool(ctx context.Context, run *runState, qualified string, args json.RawMessage, opts upstream.CallOptions) (*mcp.CallToolResult, json.RawMessage, error) {
	start := time.Now()
	g.act.Add(1)
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	rec := CallRecord{Tool: qualified}
	t, ok := g.cat.Lookup(qualified)
	if q, bad := g.quarantined(qualified); ok && bad {
		rec.Status, rec.Decision = "quarantined", "deny"
		run.addCall(rec, args, nil, "catalog:"+q.Kind, q.Detail, 0)
		run.addFlag(q)
		return nil, nil, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: "denied", Message: q.Detail}
	}
	if !ok {
		rec.Status, rec.Decision = "not_found", "deny"
		run.addCall(rec, args, nil, "catalog", "no such tool", 0)
		server, tool, _ := strings.Cut(qualified, ".")
		return nil, nil, &sandbox.ToolError{Server: server, Tool: tool, Code: "not_found",
			Message: fmt.Sprintf("no tool %q; use search_tools to find tools and describe_tools for their exact names", qualified)}
	}
	d := g.gate.Call(ctx, run.gr, t, args)
	run.addFlags(d.Flags)
	rec.Decision = d.Outcome
	if !d.Allowed {
		rec.Status, rec.Error = d.Code, d.Reason
		rec.Ms = time.Since(start).Milliseconds()
		run.addCall(rec, args, d.Labels, d.Rule, d.Reason, 0)
		return nil, nil, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: d.Code, Message: sanitizeMessage(d.Reason)}
	}
	res, err := g.hub.CallToolWith(ctx, t.Server, t.Name, args, opts)
	rec.Ms = time.Since(start).Milliseconds()
	if err != nil {
		te := toolErrorFrom(t, err)
		var fl []gate.Flag
		te.Message, fl = g.gate.ErrorText(t.Server, te.Message)
		run.addFlags(fl)
		rec.Status, rec.Error = te.Code, te.Message
		run.addCall(rec, args, d.Labels, d.Rule, d.Reason, 0)
		return nil, nil, te
	}
	if res.IsError {
		msg, fl := g.gate.ErrorText(t.Server, resultText(res))
		run.addFlags(fl)
		res, _ = g.gate.ModelResult(t, res, nil)
		rec.Status, rec.Error = "tool_error", msg
		run.addCall(rec, args, d.Labels, d.Rule, d.Reason, len(msg))
		return res, nil, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: "tool_error", Message: msg}
	}
	value, err := unwrapResult(res)
	if err != nil {
		rec.Status, rec.Error = "error", err.Error()
		run.addCall(rec, args, d.Labels, d.Rule, d.Reason, 0)
		return nil, nil, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: "internal", Message: err.Error()}
	}
	size := len(value)
	var fl []gate.Flag
	var rerr error
	if run.shared {
		// A pass-through result goes to the model, not to a program: check
		// its shape and make its text safe; no program will reuse it.
		fl, rerr = g.gate.CheckShape(t, value)
		if rerr == nil {
			var mf []gate.Flag
			var structured json.RawMessage
			if res.StructuredContent != nil {
				structured = value // unwrapResult encoded it
			}
			res, mf = g.gate.ModelResult(t, res, structured)
			fl = append(fl, mf...)
			g.gate.RememberForModel(run.gr, t, value)
		}
	} else {
		value, fl, rerr = g.gate.Result(run.gr, t, value)
	}
	run.addFlags(fl)
	if rerr != nil {
		rec.Status, rec.Error = "schema_violation", rerr.Error()
		run.addCall(rec, args, d.Labels, "schema:output", rerr.Error(), size)
		return nil, nil, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: "schema_violation", Message: rerr.Error()}
	}
	run.jc.add(qualified, args, value, false)
	rec.Status = "ok"
	run.addCall(rec, args, d.Labels, d.Rule, d.Reason, size)
	return res, value, nil
}

// innerCaller returns the ToolCaller handed to the executor for one run.
func (g *Gateway) innerCaller(run *runState) sandbox.ToolCaller {
	return sandbox.ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
		// Inner calls have no downstream: an upstream may not prompt the
		// user (elicitation) or the model (sampling) on behalf of a program.
		_, v, err := g.callTool(ctx, run, tool, args, upstream.CallOptions{})
		if err != nil {
			return nil, err
		}
		if g.onRes != nil {
			g.onRes(tool, v)
		}
		return v, nil
	})
}

// toolErrorFrom maps a hub error to the ToolError a program sees.
func toolErrorFrom(t *catalog.Tool, err error) *sandbox.ToolError {
	code := "unavailable"
	var ce *upstream.CallError
	switch {
	case errors.As(err, &ce):
		code = string(ce.Code)
	case errors.Is(err, context.DeadlineExceeded):
		code = "timeout"
	case errors.Is(err, context.Canceled):
		code = "cancelled"
	}
	return &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: code, Message: sanitizeMessage(err.Error())}
}

// unwrapResult turns an upstream result into the value a program receives:
// structuredContent, else the text parsed as JSON, else the text as a string.
func unwrapResult(res *mcp.CallToolResult) (json.RawMessage, error) {
	if res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return nil, fmt.Errorf("encode structured content: %w", err)
		}
		return b, nil
	}
	text := resultText(res)
	trimmed := strings.TrimSpace(text)
	if trimmed != "" && json.Valid([]byte(trimmed)) {
		return json.RawMessage(trimmed), nil
	}
	if text == "" && len(res.Content) > 0 {
		// Non-text content (images, audio, resources): describe it.
		var parts []map[string]any
		for _, c := range res.Content {
			b, _ := json.Marshal(c)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			if d, ok := m["data"].(string); ok && len(d) > 64 {
				m["data"] = fmt.Sprintf("<%d bytes of base64>", len(d))
			}
			parts = append(parts, m)
		}
		b, _ := json.Marshal(parts)
		return b, nil
	}
	b, _ := json.Marshal(text)
	return b, nil
}

// resultText joins the text content of a result.
func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// sanitizeMessage bounds an error message and removes control and invisible
// characters, so that no raw upstream text of unbounded size or hidden
// content reaches a program or the model.
func sanitizeMessage(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= maxErrorMessage {
			b.WriteString("… [truncated]")
			break
		}
		switch {
		case r == '\n' || r == '\t':
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
