package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/gate"
)

// elicitApprover asks the user through MCP elicitation, on the session of
// the client whose request led to the call.
type elicitApprover struct{ ss *mcp.ServerSession }

var _ gate.Approver = elicitApprover{}

// maxApprovalArgs bounds the arguments shown in an approval request.
const maxApprovalArgs = 2000

func (a elicitApprover) Approve(ctx context.Context, ap gate.Approval) (bool, error) {
	if a.ss == nil {
		return false, gate.ErrCannotAsk
	}
	if p := a.ss.InitializeParams(); p == nil || p.Capabilities == nil || p.Capabilities.Elicitation == nil {
		return false, gate.ErrCannotAsk
	}
	res, err := a.ss.Elicit(ctx, approvalParams(ap))
	if err != nil {
		return false, err
	}
	return approved(res), nil
}

// approvalParams is the elicitation that puts one call to the user.
func approvalParams(ap gate.Approval) *mcp.ElicitParams {
	args := string(ap.Args)
	if len(args) > maxApprovalArgs {
		args = args[:maxApprovalArgs] + "… (truncated)"
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "cemcp: a program wants to call %s.\nWhy approval is needed: %s\nArguments: %s\n", ap.Tool, ap.Reason, args)
	if len(ap.Sources) > 0 {
		fmt.Fprintf(&msg, "Some argument values came from: %s\n", strings.Join(ap.Sources, ", "))
	} else {
		msg.WriteString("The argument values were written by the program (no tool result flowed into them).\n")
	}
	msg.WriteString("Allow this call?")
	return &mcp.ElicitParams{
		Message:         msg.String(),
		RequestedSchema: json.RawMessage(`{"type":"object","properties":{"approve":{"type":"boolean","title":"Allow this call","description":"Allow the call to run once"}},"required":["approve"]}`),
	}
}

// approved reads the user's answer: only an explicit accept with
// approve=true allows the call.
func approved(res *mcp.ElicitResult) bool {
	if res == nil || res.Action != "accept" {
		return false
	}
	ok, _ := res.Content["approve"].(bool)
	return ok
}
