package bridge

// This file holds the value types shared by the host side (package sandbox),
// the confined side (package runner) and the JavaScript host (package
// jsengine). Standard library only.

// ToolRef names one tool the program may reach through the tools object:
// tools.<JSServer>.<JSName>(args) and tools.call(Qualified, args).
type ToolRef struct {
	Qualified string `json:"q"`
	JSServer  string `json:"s"`
	JSName    string `json:"t"`
}

// RunError describes why a program did not finish normally.
type RunError struct {
	// Kind is one of: "syntax", "exception", "timeout", "limit", "cancelled",
	// "unsupported", "internal".
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Limit names the limit hit when Kind is "limit" or "timeout":
	// "time", "output", "calls", "stack", "memory", "pids".
	Limit string `json:"limit,omitempty"`
	Line  int    `json:"line,omitempty"`
}

func (e *RunError) Error() string { return e.Kind + ": " + e.Message }

// ToolError is a tool failure as the program sees it (a rejected promise of
// class ToolError in JavaScript). Message is already sanitized and bounded.
type ToolError struct {
	Server  string `json:"server"`
	Tool    string `json:"tool"`
	Code    string `json:"code"` // "tool_error", "denied", "not_found", "invalid_arguments", "timeout", "unavailable", "internal", "budget"
	Message string `json:"message"`
}

func (e *ToolError) Error() string { return e.Server + "." + e.Tool + ": " + e.Code + ": " + e.Message }
