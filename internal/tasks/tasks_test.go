package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/servers"
)

func TestSuiteShape(t *testing.T) {
	counts := map[string]int{}
	ids := map[string]bool{}
	for _, tk := range All() {
		if err := tk.Validate(); err != nil {
			t.Error(err)
		}
		if ids[tk.ID] {
			t.Errorf("duplicate task ID %s", tk.ID)
		}
		ids[tk.ID] = true
		counts[tk.Category]++
		for _, s := range tk.Servers {
			if _, ok := servers.Lookup(s); !ok {
				t.Errorf("task %s: unknown server %q", tk.ID, s)
			}
		}
		for _, s := range tk.Servers {
			if !strings.Contains(tk.Program, "tools."+s+".") {
				t.Errorf("task %s: program never calls server %s", tk.ID, s)
			}
		}
	}
	for c, min := range map[string]int{Single: 30, Two: 20, Three: 10} {
		if counts[c] < min {
			t.Errorf("%d %s-server tasks, want at least %d", counts[c], c, min)
		}
		if got := len(ByCategory(c)); got != counts[c] {
			t.Errorf("ByCategory(%s) = %d tasks, want %d", c, got, counts[c])
		}
	}
}

// liveServers serves fresh instances (not the oracle's) in memory.
type liveServers struct {
	mu       sync.Mutex
	sessions map[string]*mcp.ClientSession
}

func (l *liveServers) call(ctx context.Context, c Call) (json.RawMessage, error) {
	l.mu.Lock()
	cs, ok := l.sessions[c.Server()]
	if !ok {
		info, found := servers.Lookup(c.Server())
		if !found {
			l.mu.Unlock()
			return nil, fmt.Errorf("no server %s", c.Server())
		}
		ct, st := mcp.NewInMemoryTransports()
		if _, err := info.New().Connect(ctx, st, nil); err != nil {
			l.mu.Unlock()
			return nil, err
		}
		var err error
		cs, err = mcp.NewClient(&mcp.Implementation{Name: "t"}, nil).Connect(ctx, ct, nil)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.sessions[c.Server()] = cs
	}
	l.mu.Unlock()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.Name(), Arguments: c.Args})
	if err != nil {
		return nil, err
	}
	if res.IsError {
		return nil, fmt.Errorf("%s: tool error: %v", c.Tool, res.Content[0].(*mcp.TextContent).Text)
	}
	return json.Marshal(res.StructuredContent)
}

// TestCoupledPlans runs every plan against in-memory servers and checks its
// answer; the end-to-end test (test/tasks) does the same through the gateway
// and runs the programs too.
func TestCoupledPlans(t *testing.T) {
	live := &liveServers{sessions: map[string]*mcp.ClientSession{}}
	ctx := context.Background()
	for _, tk := range All() {
		t.Run(tk.ID, func(t *testing.T) {
			t.Parallel()
			var prev [][]json.RawMessage
			for i, r := range tk.Plan {
				cs := r.Resolve(prev)
				if len(cs) == 0 {
					t.Fatalf("round %d: no calls", i)
				}
				res := make([]json.RawMessage, len(cs))
				for j, c := range cs {
					if !strings.Contains(strings.Join(tk.Servers, ","), c.Server()) {
						t.Errorf("round %d calls %s, not on a listed server", i, c.Tool)
					}
					raw, err := live.call(ctx, c)
					if err != nil {
						t.Fatalf("round %d call %d: %v", i, j, err)
					}
					res[j] = raw
				}
				prev = append(prev, res)
			}
			ans := tk.Answer(prev)
			if err := tk.Check(ans); err != nil {
				t.Errorf("check: %v\nanswer: %s", err, ans)
			}
		})
	}
}

// TestCheckersReject makes sure every checker can fail: an empty object and
// a perturbed reference answer are rejected.
func TestCheckersReject(t *testing.T) {
	for _, tk := range All() {
		if err := tk.Check(json.RawMessage(`{}`)); err == nil {
			t.Errorf("%s: checker accepts {}", tk.ID)
		}
	}
}
