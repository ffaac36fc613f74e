package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/gate/judge"
	"github.com/cemcp/cemcp/internal/sandbox"
)

// newJudge sets up the optional LLM judge.
func newJudge(c *config.Judge) (*judge.Judge, error) {
	if c == nil {
		return nil, nil
	}
	j, err := judge.New(judge.Config{Provider: judge.Provider(c.Provider), BaseURL: c.BaseURL, Model: c.Model, APIKey: c.APIKey, Timeout: c.Timeout})
	if err != nil {
		return nil, fmt.Errorf("cemcp.judge: %w", err)
	}
	return j, nil
}

// judgeCalls keeps what the post-execution review needs to see of a run's
// calls (bounded by the judge itself).
type judgeCalls struct {
	mu    sync.Mutex
	calls []judge.CallInfo // guarded by mu
}

func (c *judgeCalls) add(tool string, args, result json.RawMessage, isErr bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.calls = append(c.calls, judge.CallInfo{Tool: tool, Args: append(json.RawMessage(nil), args...), Result: string(result), IsError: isErr})
	c.mu.Unlock()
}

func (c *judgeCalls) list() []judge.CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]judge.CallInfo(nil), c.calls...)
}

// referencedTools lists the catalog tools a program's text names, for the
// judge's pre-execution review.
func referencedTools(code string, tools []*catalog.Tool) []judge.ToolInfo {
	var out []judge.ToolInfo
	for _, t := range tools {
		if strings.Contains(code, t.JSServer+"."+t.JSName) || strings.Contains(code, t.Qualified) {
			out = append(out, judge.ToolInfo{Name: t.Qualified, Description: t.Description, InputSchema: t.InputSchema})
		}
	}
	return out
}

// judgePre asks the judge about a program before it runs. It returns a
// RunError when the program must not run.
func (g *Gateway) judgePre(ctx context.Context, run *runState, in ExecuteInput, lang string) *sandbox.RunError {
	if g.judge == nil || !g.cfg.Cemcp.Judge.Pre {
		return nil
	}
	r := g.judge.PreExecution(ctx, judge.PreInput{Code: in.Code, Language: lang, Tools: referencedTools(in.Code, g.cat.Tools())})
	if r.Allowed() {
		return nil
	}
	run.addFlag(gate.Flag{Kind: "judge", Source: "pre-execution", Detail: string(r.Verdict) + ": " + r.Reason})
	return &sandbox.RunError{Kind: "blocked", Message: fmt.Sprintf("the program was not run: the reviewing model answered %s (%s)", r.Verdict, r.Reason)}
}

// judgePost asks the judge about a finished run's output; when it does not
// answer SAFE, the output is withheld from the model.
func (g *Gateway) judgePost(ctx context.Context, run *runState, in ExecuteInput, lang string, out *ExecuteOutput) {
	if g.judge == nil || !g.cfg.Cemcp.Judge.Post || out.Error != nil {
		return
	}
	res, _ := out.Result.(json.RawMessage)
	output := out.Output
	if len(res) > 0 {
		output += "\nreturned: " + string(res)
	}
	r := g.judge.PostExecution(ctx, judge.PostInput{Code: in.Code, Language: lang, Output: output, Calls: run.jc.list()})
	if r.Allowed() {
		return
	}
	run.addFlag(gate.Flag{Kind: "judge", Source: "post-execution", Detail: string(r.Verdict) + ": " + r.Reason})
	out.Output, out.Result = "", nil
	out.Error = &sandbox.RunError{Kind: "blocked", Message: fmt.Sprintf("the program ran, but its output is withheld: the reviewing model answered %s (%s)", r.Verdict, r.Reason)}
}
