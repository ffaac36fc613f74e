package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Code classifies why a tool call failed before the tool could give a
// result. The gateway maps codes to JSON-RPC errors and to ToolError codes.
type Code string

// Call error codes.
const (
	// CodeUnavailable: the server is not connected (starting, failed to
	// start, reconnecting, disabled or closed), or the connection was lost
	// during the call.
	CodeUnavailable Code = "unavailable"
	// CodeTimeout: the call took longer than the server's call timeout (or
	// the caller's deadline).
	CodeTimeout Code = "timeout"
	// CodeCancelled: the caller cancelled the call.
	CodeCancelled Code = "cancelled"
	// CodeProtocol: the server broke the protocol (non-JSON output, a
	// malformed reply, a JSON-RPC error) or the transport failed.
	CodeProtocol Code = "protocol"
	// CodeNotFound: no such server, or the server has no such tool.
	CodeNotFound Code = "not_found"
)

// CallError is the error of a failed [Hub.CallTool]. A tool that runs and
// reports failure is not a CallError: that is a CallToolResult with IsError.
type CallError struct {
	Server string
	Tool   string
	Code   Code
	Err    error
}

func (e *CallError) Error() string {
	return fmt.Sprintf("call %s.%s: %s: %v", e.Server, e.Tool, e.Code, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// ProtocolError reports output from a server that is not the protocol, such
// as a stdio server printing a banner or log line to stdout.
type ProtocolError struct {
	Server string
	Detail string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("server %q broke the protocol: %s", e.Server, e.Detail)
}

// isConnLoss reports whether err means the connection went away, rather
// than that the peer sent something wrong.
func isConnLoss(err error) bool {
	return errors.Is(err, mcp.ErrConnectionClosed) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, os.ErrClosed) ||
		strings.Contains(err.Error(), "connection closed") ||
		strings.Contains(err.Error(), "broken pipe")
}

// isProtocol reports whether err is a malformed message from the peer.
func isProtocol(err error) bool {
	var pe *ProtocolError
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	var we *jsonrpc.Error
	return errors.As(err, &pe) || errors.As(err, &se) || errors.As(err, &ue) || errors.As(err, &we) ||
		strings.Contains(err.Error(), "invalid trailing data")
}

// unknownTool reports whether err is the server's answer that it has no
// tool of that name.
func unknownTool(err error) bool {
	var we *jsonrpc.Error
	return errors.As(err, &we) && we.Code == jsonrpc.CodeInvalidParams && strings.Contains(we.Message, "unknown tool")
}

// ctxCode returns the code for a call ended by a context, or "".
func ctxCode(parent, call context.Context) Code {
	switch {
	case parent.Err() != nil && errors.Is(parent.Err(), context.DeadlineExceeded):
		return CodeTimeout
	case parent.Err() != nil:
		return CodeCancelled
	case call.Err() != nil && errors.Is(context.Cause(call), errCallTimeout):
		return CodeTimeout
	}
	return ""
}

var errCallTimeout = errors.New("call timeout")
