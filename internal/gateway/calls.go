package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/catalog"
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
type Flag struct {
	Kind   string `json:"kind"` // injection, secret, truncated, schema_violation, definition_changed, limit
	Source string `json:"source"`
	Detail string `json:"detail"`
}

// runState collects what the calls of one run did. Safe for concurrent use:
// a program's calls run in parallel.
type runState struct {
	id string

	mu    sync.Mutex
	calls []CallRecord // guarded by mu
	flags []Flag       // guarded by mu
}

func (r *runState) addCall(c CallRecord) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

func (r *runState) addFlag(f Flag) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.flags = append(r.flags, f)
	r.mu.Unlock()
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
// and pass-through calls from the client. It returns the upstream result, or
// a *sandbox.ToolError for everything that kept the call from succeeding.
func (g *Gateway) callTool(ctx context.Context, run *runState, qualified string, args json.RawMessage, opts upstream.CallOptions) (*mcp.CallToolResult, *catalog.Tool, error) {
	start := time.Now()
	rec := CallRecord{Tool: qualified, Decision: "allow"}
	t, ok := g.cat.Lookup(qualified)
	if !ok {
		rec.Status, rec.Decision = "not_found", "deny"
		run.addCall(rec)
		server, tool, _ := strings.Cut(qualified, ".")
		return nil, nil, &sandbox.ToolError{Server: server, Tool: tool, Code: "not_found",
			Message: fmt.Sprintf("no tool %q; use search_tools to find tools and describe_tools for their exact names", qualified)}
	}
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	res, err := g.hub.CallToolWith(ctx, t.Server, t.Name, args, opts)
	rec.Ms = time.Since(start).Milliseconds()
	if err != nil {
		te := toolErrorFrom(t, err)
		rec.Status, rec.Error = te.Code, te.Message
		run.addCall(rec)
		return nil, t, te
	}
	if res.IsError {
		rec.Status = "tool_error"
		msg := sanitizeMessage(resultText(res))
		rec.Error = msg
		run.addCall(rec)
		return res, t, &sandbox.ToolError{Server: t.Server, Tool: t.Name, Code: "tool_error", Message: msg}
	}
	rec.Status = "ok"
	run.addCall(rec)
	return res, t, nil
}

// innerCaller returns the ToolCaller handed to the executor for one run.
func (g *Gateway) innerCaller(run *runState) sandbox.ToolCaller {
	return sandbox.ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
		// Inner calls have no downstream: an upstream may not prompt the
		// user (elicitation) or the model (sampling) on behalf of a program.
		res, _, err := g.callTool(ctx, run, tool, args, upstream.CallOptions{})
		if err != nil {
			return nil, err
		}
		v, err := unwrapResult(res)
		if err == nil && g.onRes != nil {
			g.onRes(tool, v)
		}
		return v, err
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
