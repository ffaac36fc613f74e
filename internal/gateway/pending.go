package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/gate"
)

// Approvals reach the user in one of two ways, chosen per request:
//
//   - Protocol 2025-11-25 and older: the gateway sends elicitation/create to
//     the client while execute_code is still running (elicitApprover).
//   - Protocol 2026-07-28 (multi round-trip, SEP-2322): a server may not
//     send requests of its own; execute_code instead returns an
//     input-required result holding the elicitation and a request state, and
//     the client calls execute_code again with the user's answer. The
//     program stays paused in the gateway meanwhile (pendingRun), bounded by
//     the approval timeout.

// pendingRun is a program that runs across several execute_code requests of
// a multi-round-trip client.
type pendingRun struct {
	asks chan *ask
	done chan ExecuteOutput
	cur  *ask // the question put to the client; owned by the request holding the run
}

type ask struct {
	id     string
	params *mcp.ElicitParams
	reply  chan *mcp.ElicitResult // buffered, 1
}

// mrtrApprover hands approval requests to the execute_code request that
// waits on the run.
type mrtrApprover struct {
	pr        *pendingRun
	canElicit bool
}

var _ gate.Approver = mrtrApprover{}

func (a mrtrApprover) Approve(ctx context.Context, ap gate.Approval) (bool, error) {
	if !a.canElicit {
		return false, gate.ErrCannotAsk
	}
	q := &ask{id: "approve-" + randomHex(6), params: approvalParams(ap), reply: make(chan *mcp.ElicitResult, 1)}
	select {
	case a.pr.asks <- q:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case res := <-q.reply:
		return approved(res), nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// usesMultiRoundTrip reports whether the client of req speaks protocol
// 2026-07-28 or later, where servers ask for input through results.
func usesMultiRoundTrip(req *mcp.CallToolRequest) bool {
	if req.Session == nil {
		return false
	}
	return sessionUsesMultiRoundTrip(req.Session)
}

// sessionUsesMultiRoundTrip reports whether ss speaks the protocol in which
// a server asks for input with an input-required result.
func sessionUsesMultiRoundTrip(ss *mcp.ServerSession) bool {
	if p := ss.InitializeParams(); p != nil && p.ProtocolVersion != "" {
		return p.ProtocolVersion >= "2026-07-28"
	}
	return true // no initialize handshake: the new protocol
}

func canElicit(req *mcp.CallToolRequest) bool {
	caps := req.ClientCapabilities()
	return caps != nil && caps.Elicitation != nil
}

// runPending starts a run for a multi-round-trip client.
func (g *Gateway) runPending(in ExecuteInput, req *mcp.CallToolRequest) *pendingRun {
	pr := &pendingRun{asks: make(chan *ask), done: make(chan ExecuteOutput, 1)}
	appr := mrtrApprover{pr: pr, canElicit: canElicit(req)}
	// The run outlives this request: it is bounded by its own timeout and
	// by the approval timeout, not by the first request's context.
	go func() { pr.done <- g.execute(context.Background(), in, req.Session, appr) }()
	return pr
}

// awaitRun waits until the run finishes or needs the user, and answers the
// current request accordingly.
func (g *Gateway) awaitRun(ctx context.Context, pr *pendingRun) (*mcp.CallToolResult, ExecuteOutput, error) {
	select {
	case out := <-pr.done:
		res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: out.Text()}}, IsError: out.Error != nil}
		return res, out, nil
	case q := <-pr.asks:
		pr.cur = q
		state := "cemcp-run-" + randomHex(12)
		g.mu.Lock()
		g.pending[state] = pr
		g.mu.Unlock()
		// A client that never comes back must not hold the run forever: the
		// approver's own timeout ends the wait; forget the state then.
		time.AfterFunc(g.approvalTimeout()+time.Minute, func() {
			g.mu.Lock()
			delete(g.pending, state)
			g.mu.Unlock()
		})
		return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{q.id: q.params}, RequestState: state}, ExecuteOutput{}, nil
	case <-ctx.Done():
		return nil, ExecuteOutput{}, ctx.Err()
	}
}

// resumeRun continues a paused run with the client's answers.
func (g *Gateway) resumeRun(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, ExecuteOutput, error) {
	state := req.Params.RequestState
	g.mu.Lock()
	pr := g.pending[state]
	delete(g.pending, state)
	g.mu.Unlock()
	if pr == nil {
		return toolErrorResult(fmt.Sprintf("unknown or expired request state %q: the paused program is gone (the approval timed out); run the program again", state)), ExecuteOutput{}, nil
	}
	var res *mcp.ElicitResult
	if r, ok := req.Params.InputResponses[pr.cur.id]; ok {
		res, _ = r.(*mcp.ElicitResult)
	}
	pr.cur.reply <- res // nil: no answer, which declines
	return g.awaitRun(ctx, pr)
}

func (g *Gateway) approvalTimeout() time.Duration {
	if t := g.cfg.Cemcp.Policy.ApprovalTimeout; t > 0 {
		return t
	}
	return 2 * time.Minute
}
