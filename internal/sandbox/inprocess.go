package sandbox

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/cemcp/cemcp/internal/bridge"
	"github.com/cemcp/cemcp/internal/jsengine"
	"github.com/cemcp/cemcp/internal/transpile"
)

// InProcess runs TypeScript and JavaScript programs in the gateway's own
// process, in a goja runtime with no host bindings, under the engine's
// limits (time, stack, output, calls). It is NOT an OS sandbox: a bug in the
// engine is a bug in the gateway, and memory is not bounded. It is meant for
// development and tests; production uses the jail.
type InProcess struct {
	defaults Limits
	logger   *slog.Logger
}

var _ Executor = (*InProcess)(nil)

// NewInProcess returns an in-process executor. defaults fill the limits a
// request leaves at zero (and the engine's own defaults fill the rest). A nil
// logger means silence.
func NewInProcess(defaults Limits, logger *slog.Logger) *InProcess {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger.Warn("sandbox: programs run IN PROCESS and are NOT isolated; use this mode for development only (set cemcp.sandbox.mode to \"jail\" in production)")
	return &InProcess{defaults: defaults, logger: logger}
}

// Execute implements Executor.
func (x *InProcess) Execute(ctx context.Context, req *Request, caller ToolCaller) (*Response, error) {
	lang := req.Language
	if lang == "" {
		lang = TypeScript
	}
	switch lang {
	case TypeScript, JavaScript:
	case Python:
		return &Response{Error: &RunError{Kind: "unsupported", Message: `python programs need the jail executor (cemcp.sandbox.mode "jail")`}}, nil
	default:
		return &Response{Error: &RunError{Kind: "unsupported", Message: "unknown language " + string(lang) + `: use "typescript", "javascript" or "python"`}}, nil
	}
	js, rerr := req.JS, (*bridge.RunError)(nil)
	if js == "" {
		js, rerr = transpile.Program(req.Code, string(lang))
	}
	if rerr != nil {
		return &Response{Error: rerr}, nil
	}
	lim := inProcessLimits(req.Limits, x.defaults)
	opts := jsengine.Options{
		Tools:          req.Tools,
		Timeout:        lim.Timeout,
		MaxOutputBytes: lim.MaxOutputBytes,
		MaxToolCalls:   lim.MaxToolCalls,
		MaxConcurrency: lim.MaxConcurrency,
		MaxCallDepth:   lim.MaxCallDepth,
	}
	var call jsengine.Caller
	if caller != nil {
		call = func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
			return caller.CallTool(ctx, tool, args)
		}
	} else {
		call = func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
			return nil, &ToolError{Code: "unavailable", Message: "no tools are available to this run"}
		}
	}
	res := jsengine.Run(ctx, js, opts, call)
	if res.Error != nil {
		x.logger.Debug("sandbox: in-process run failed", "run_id", req.RunID, "kind", res.Error.Kind, "limit", res.Error.Limit)
	}
	return &Response{
		Output:    res.Output,
		Result:    res.Value,
		Error:     res.Error,
		Truncated: res.Truncated,
		Duration:  res.Duration,
		ToolCalls: res.ToolCalls,
	}, nil
}

// Isolated implements Executor: in-process runs are not isolated.
func (x *InProcess) Isolated() bool { return false }

// Close implements Executor. Runs hold nothing between requests.
func (x *InProcess) Close() error { return nil }

// inProcessLimits returns req with its zero fields taken from def.
func inProcessLimits(req, def Limits) Limits {
	if req.Timeout <= 0 {
		req.Timeout = def.Timeout
	}
	if req.MaxOutputBytes <= 0 {
		req.MaxOutputBytes = def.MaxOutputBytes
	}
	if req.MaxToolCalls <= 0 {
		req.MaxToolCalls = def.MaxToolCalls
	}
	if req.MaxConcurrency <= 0 {
		req.MaxConcurrency = def.MaxConcurrency
	}
	if req.MaxCallDepth <= 0 {
		req.MaxCallDepth = def.MaxCallDepth
	}
	if req.MemoryBytes <= 0 {
		req.MemoryBytes = def.MemoryBytes
	}
	if req.MaxPids <= 0 {
		req.MaxPids = def.MaxPids
	}
	return req
}
