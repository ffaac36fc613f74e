package tasks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/tasks"
	"github.com/cemcp/cemcp/internal/upstream"
	"github.com/cemcp/cemcp/servers"
)

// suiteConfig serves every bundled server (this binary re-executed) and
// exposes all of them as pass-through tools next to the code-mode tools.
func suiteConfig(t testing.TB) *config.Config {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, n := range servers.Names() {
		entries = append(entries, fmt.Sprintf(`%q: {"command": %q, "env": {%q: %q}}`, n, exe, serverEnv, n))
	}
	src := fmt.Sprintf(`{"mcpServers": {%s}, "cemcp": {"sandbox": {"mode": "inprocess"}, "expose": {"*": "passthrough"}}}`, strings.Join(entries, ","))
	cfg, err := config.Parse([]byte(src), "tasks.json", nil)
	if err != nil {
		t.Fatalf("config: %v\n%s", err, src)
	}
	return cfg
}

// startGateway starts one gateway on every bundled server and returns a
// client session on its MCP face.
func startGateway(t *testing.T) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	g, err := gateway.New(ctx, gateway.Options{Config: suiteConfig(t), Executor: sandbox.NewInProcess(sandbox.Limits{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	for _, s := range g.Status() {
		if s.State != upstream.StateReady {
			t.Fatalf("server %s is %s: %s", s.Name, s.State, s.Error)
		}
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := g.Server().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "tasks-test", Version: "1"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// passThrough calls one planned tool call through the gateway's
// pass-through tool and returns the result's structured content.
func passThrough(ctx context.Context, cs *mcp.ClientSession, c tasks.Call) (json.RawMessage, error) {
	name := c.Server() + "__" + c.Name()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: c.Args})
	if err != nil {
		return nil, fmt.Errorf("call %s: %w", name, err)
	}
	if res.IsError {
		return nil, fmt.Errorf("call %s: tool error: %s", name, resultText(res))
	}
	if res.StructuredContent == nil {
		return nil, fmt.Errorf("call %s: no structured content: %s", name, resultText(res))
	}
	return json.Marshal(res.StructuredContent)
}

// runPlan plays a context-coupled plan: each round's calls concurrently,
// rounds in order, then the task composes the answer.
func runPlan(ctx context.Context, cs *mcp.ClientSession, tk tasks.Task) (json.RawMessage, int, error) {
	var prev [][]json.RawMessage
	n := 0
	for i, r := range tk.Plan {
		calls := r.Resolve(prev)
		if len(calls) == 0 {
			return nil, n, fmt.Errorf("round %d has no calls", i)
		}
		res := make([]json.RawMessage, len(calls))
		errs := make([]error, len(calls))
		var wg sync.WaitGroup
		for j, c := range calls {
			wg.Go(func() { res[j], errs[j] = passThrough(ctx, cs, c) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, n, fmt.Errorf("round %d: %w", i, err)
			}
		}
		n += len(calls)
		prev = append(prev, res)
	}
	return tk.Answer(prev), n, nil
}

// runProgram sends the context-decoupled program through execute_code.
func runProgram(ctx context.Context, cs *mcp.ClientSession, tk tasks.Task) (json.RawMessage, int, error) {
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "execute_code", Arguments: map[string]any{"code": tk.Program}})
	if err != nil {
		return nil, 0, fmt.Errorf("execute_code: %w", err)
	}
	if res.IsError {
		return nil, 0, fmt.Errorf("execute_code failed: %s", resultText(res))
	}
	var out struct {
		Result json.RawMessage `json:"result"`
		Calls  []struct {
			Tool   string `json:"tool"`
			Status string `json:"status"`
		} `json:"calls"`
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return nil, 0, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, 0, fmt.Errorf("decode execute_code result: %w", err)
	}
	for _, c := range out.Calls {
		if c.Status != "ok" {
			return nil, 0, fmt.Errorf("inner call %s: %s", c.Tool, c.Status)
		}
	}
	return out.Result, len(out.Calls), nil
}

// TestReferenceSolutions runs both reference solutions of every task through
// one gateway and checks both answers. Every task is read-only, so they run
// in parallel on the same servers.
func TestReferenceSolutions(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite: starts ten servers")
	}
	cs := startGateway(t)
	all := tasks.All()
	if len(all) < 60 {
		t.Fatalf("suite has %d tasks, want at least 60", len(all))
	}
	for _, tk := range all {
		t.Run(tk.ID, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			t.Run("coupled", func(t *testing.T) {
				ans, n, err := runPlan(ctx, cs, tk)
				if err != nil {
					t.Fatal(err)
				}
				if err := tk.Check(ans); err != nil {
					t.Errorf("plan answer rejected (%d calls): %v\nanswer: %s", n, err, ans)
				}
			})
			t.Run("program", func(t *testing.T) {
				ans, n, err := runProgram(ctx, cs, tk)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					t.Errorf("program made no tool calls")
				}
				if err := tk.Check(ans); err != nil {
					t.Errorf("program answer rejected (%d calls): %v\nanswer: %s", n, err, ans)
				}
			})
		})
	}
}

// TestCheckersRejectWrongAnswers guards against checkers that accept
// anything: a correct program answer with one number nudged must fail.
func TestCheckersRejectWrongAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite: starts ten servers")
	}
	cs := startGateway(t)
	for _, tk := range tasks.All() {
		t.Run(tk.ID, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
			defer cancel()
			ans, _, err := runProgram(ctx, cs, tk)
			if err != nil {
				t.Fatal(err)
			}
			var v any
			if err := json.Unmarshal(ans, &v); err != nil {
				t.Fatal(err)
			}
			if !perturb(&v) {
				t.Skipf("answer has no number to perturb: %s", ans)
			}
			bad, _ := json.Marshal(v)
			if err := tk.Check(bad); err == nil {
				t.Errorf("checker accepted a perturbed answer: %s", bad)
			}
		})
	}
}

// perturb changes one value of v: the first number (depth first, keys
// sorted) by 7% plus 1; without numbers, the first boolean; without those,
// the first string.
func perturb(v *any) bool {
	for _, kind := range []string{"number", "bool", "string"} {
		if perturbKind(v, kind) {
			return true
		}
	}
	return false
}

func perturbKind(v *any, kind string) bool {
	switch x := (*v).(type) {
	case float64:
		if kind == "number" {
			*v = x*1.07 + 1
			return true
		}
	case bool:
		if kind == "bool" {
			*v = !x
			return true
		}
	case string:
		if kind == "string" {
			*v = x + " (wrong)"
			return true
		}
	case []any:
		for i := range x {
			if perturbKind(&x[i], kind) {
				return true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e := x[k]
			if perturbKind(&e, kind) {
				x[k] = e
				return true
			}
		}
	}
	return false
}
