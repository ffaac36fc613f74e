package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/servers"
)

// Oracle calls a bundled server directly, through an in-memory MCP client on
// a fresh instance of the server that only checkers use (one per server per
// process, created on first use). It is how checkers read the data they
// recompute expected values from; the servers under test are never involved.
func Oracle(ctx context.Context, server, tool string, arguments any) (json.RawMessage, error) {
	cs, err := oracleSession(ctx, server)
	if err != nil {
		return nil, err
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: arguments})
	if err != nil {
		return nil, fmt.Errorf("oracle %s.%s: %w", server, tool, err)
	}
	if res.IsError {
		var b strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return nil, fmt.Errorf("oracle %s.%s: tool error: %s", server, tool, b.String())
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return nil, fmt.Errorf("oracle %s.%s: encode result: %w", server, tool, err)
	}
	return b, nil
}

var oracles struct {
	mu       sync.Mutex
	sessions map[string]*mcp.ClientSession
}

func oracleSession(ctx context.Context, server string) (*mcp.ClientSession, error) {
	oracles.mu.Lock()
	defer oracles.mu.Unlock()
	if cs, ok := oracles.sessions[server]; ok {
		return cs, nil
	}
	info, ok := servers.Lookup(server)
	if !ok {
		return nil, fmt.Errorf("oracle: no bundled server %q", server)
	}
	ct, st := mcp.NewInMemoryTransports()
	if _, err := info.New().Connect(ctx, st, nil); err != nil {
		return nil, fmt.Errorf("oracle: serve %s: %w", server, err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cemcp-tasks-oracle", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("oracle: connect %s: %w", server, err)
	}
	if oracles.sessions == nil {
		oracles.sessions = map[string]*mcp.ClientSession{}
	}
	oracles.sessions[server] = cs
	return cs, nil
}

// ask is Oracle decoded into T, with a background context.
func ask[T any](server, tool string, arguments any) (T, error) {
	var v T
	raw, err := Oracle(context.Background(), server, tool, arguments)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("oracle %s.%s: decode: %w", server, tool, err)
	}
	return v, nil
}
