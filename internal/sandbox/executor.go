// Package sandbox is the host side of program execution: the Executor
// interface that the gateway uses, the in-process executor (development only,
// not isolated), and the Linux jail with its warm pool.
//
// The confined side lives in package runner; the protocol between the two in
// package bridge.
package sandbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/cemcp/cemcp/internal/bridge"
)

// Executor runs one program and returns what it printed and returned.
//
// Every tool call the program makes goes through the ToolCaller it is given;
// an Executor never reaches an upstream any other way.
type Executor interface {
	// Execute runs req to completion, a limit, or ctx's end. A failure of the
	// program itself (syntax error, throw, limit hit) is reported in
	// Response.Error, not as a Go error; a Go error means the executor itself
	// failed (could not start a runner, say).
	Execute(ctx context.Context, req *Request, caller ToolCaller) (*Response, error)
	// Isolated reports whether programs run in an OS-level sandbox.
	Isolated() bool
	// Close releases pooled resources and kills anything still running.
	Close() error
}

// ToolCaller performs one tool call on behalf of a running program. It is
// supplied by the gateway (gate first, then the upstream hub).
type ToolCaller interface {
	// CallTool calls the tool with the qualified name ("server.tool") and
	// returns the unwrapped result value as JSON (structuredContent, else the
	// text parsed as JSON, else the text as a JSON string). A tool-level
	// failure is returned as *ToolError; any other error is turned into a
	// ToolError with code "internal" by the executor.
	CallTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error)
}

// ToolCallerFunc adapts a function to ToolCaller.
type ToolCallerFunc func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error)

// CallTool implements ToolCaller.
func (f ToolCallerFunc) CallTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	return f(ctx, tool, args)
}

// Language is the language of a program.
type Language string

const (
	TypeScript Language = "typescript"
	JavaScript Language = "javascript"
	Python     Language = "python"
)

// ToolRef names one tool the program may reach; see bridge.ToolRef.
type ToolRef = bridge.ToolRef

// Limits bound one run. Zero values mean the executor's defaults.
type Limits struct {
	Timeout        time.Duration // wall clock for the whole run
	MaxOutputBytes int           // console output plus return value
	MaxToolCalls   int           // tool calls per run
	MaxConcurrency int           // tool calls in flight at once
	MaxCallDepth   int           // JS call-stack depth
	MemoryBytes    int64         // jail only
	MaxPids        int           // jail only
}

// Request is one program to run.
type Request struct {
	RunID    string
	Language Language
	// Code is the program as the model wrote it. For TypeScript the executor
	// (or the gateway before it) strips types; see package transpile.
	Code string
	// JS, when set, is Code already transformed by transpile.Program (the
	// gateway does it once for static analysis); executors then skip the
	// transformation.
	JS     string
	Tools  []ToolRef
	Limits Limits
}

// Response is what a run produced.
type Response struct {
	Output string          // console text, possibly truncated
	Result json.RawMessage // the returned value as JSON; nil when undefined
	// Error is set when the program did not finish normally.
	Error *RunError
	// Truncated reports that output was cut at Limits.MaxOutputBytes.
	Truncated bool
	Duration  time.Duration
	ToolCalls int
}

// RunError describes why a program did not finish normally.
type RunError = bridge.RunError

// ToolError is a tool failure as the program sees it.
type ToolError = bridge.ToolError
