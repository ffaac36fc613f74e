package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/gateway"
)

// ServerCost is what one server's tool schemas cost a coupled agent.
type ServerCost struct {
	Server       string `json:"server"`
	Tools        int    `json:"tools"`
	SchemaTokens int    `json:"schema_tokens"`
}

// CatalogCost is what a catalog costs a model per turn in each
// architecture, and what code mode would save on a typical task.
type CatalogCost struct {
	Servers []ServerCost `json:"servers"`
	Tools   int          `json:"tools"`
	// CoupledPerTurn: every tool definition, sent on every turn.
	CoupledPerTurn int `json:"coupled_schema_tokens_per_turn"`
	// CodePerTurn: the three code-mode tools and the gateway's
	// instructions, on every turn.
	CodePerTurn int `json:"code_schema_tokens_per_turn"`
	// DeclPerTool: mean tokens of one tool's TypeScript declaration, what
	// describe_tools adds once for each tool a task uses.
	DeclPerTool float64 `json:"declaration_tokens_per_tool"`
	// For a task of TaskTurns coupled turns using TaskTools tools (the
	// suite's multi-server means), the schema tokens of each architecture.
	TaskTurns     int     `json:"task_turns"`
	TaskTools     int     `json:"task_tools"`
	CoupledTask   int     `json:"coupled_schema_tokens_per_task"`
	CodeTask      int     `json:"code_schema_tokens_per_task"`
	Saving        float64 `json:"saving"`
	PrefillMsTurn float64 `json:"coupled_prefill_ms_per_turn"`
}

// MeasureCatalog measures a running gateway's catalog (a user's own
// configuration). The code-mode tools are read from the gateway's MCP face.
func MeasureCatalog(ctx context.Context, g *gateway.Gateway, cost CostModel) (*CatalogCost, error) {
	c := &Counter{}
	cc := &CatalogCost{TaskTurns: 3, TaskTools: 4}
	per := map[string]*ServerCost{}
	var names []string
	for _, t := range g.Catalog().Tools() {
		d := ToolDef{Name: t.Server + "__" + t.Name, Description: t.Description, Parameters: json.RawMessage(t.InputSchema)}
		n := c.Text(d.JSON())
		sc, ok := per[t.Server]
		if !ok {
			sc = &ServerCost{Server: t.Server}
			per[t.Server] = sc
			names = append(names, t.Server)
		}
		sc.Tools++
		sc.SchemaTokens += n
		cc.Tools++
		cc.CoupledPerTurn += n
		if decl, err := g.Describe([]string{t.Qualified}, "typescript"); err == nil {
			cc.DeclPerTool += float64(c.Text(decl.Declarations))
		}
	}
	if cc.Tools > 0 {
		cc.DeclPerTool /= float64(cc.Tools)
	}
	sort.Strings(names)
	for _, n := range names {
		cc.Servers = append(cc.Servers, *per[n])
	}
	ct, st := mcp.NewInMemoryTransports()
	ss, err := g.Server().Connect(ctx, st, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to the gateway: %w", err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cemcp-bench", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to the gateway: %w", err)
	}
	defer cs.Close()
	if r := cs.InitializeResult(); r != nil {
		cc.CodePerTurn += c.Text(r.Instructions)
	}
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("list the gateway's tools: %w", err)
		}
		switch t.Name {
		case "search_tools", "describe_tools", "execute_code":
			p, _ := json.Marshal(t.InputSchema)
			cc.CodePerTurn += c.Text(ToolDef{Name: t.Name, Description: t.Description, Parameters: p}.JSON())
		}
	}
	cc.CoupledTask = cc.TaskTurns * cc.CoupledPerTurn
	cc.CodeTask = 4*cc.CodePerTurn + int(float64(cc.TaskTools)*cc.DeclPerTool*3) // declarations stay for 3 later turns
	if cc.CoupledTask > 0 {
		cc.Saving = 1 - float64(cc.CodeTask)/float64(cc.CoupledTask)
	}
	if cost.PrefillTPS > 0 {
		cc.PrefillMsTurn = 1000 * float64(cc.CoupledPerTurn) / cost.PrefillTPS
	}
	return cc, nil
}

// Write prints the measurement as a table and a summary.
func (cc *CatalogCost) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\ttools\tschema tokens per turn\t")
	for _, s := range cc.Servers {
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", s.Server, s.Tools, s.SchemaTokens)
	}
	fmt.Fprintf(tw, "all\t%d\t%d\t\n", cc.Tools, cc.CoupledPerTurn)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, `
Tool-by-tool (coupled) MCP sends all %d schemas on every turn: %d tokens (o200k_base),
about %.0f ms of prefill per turn at the cost model's rate.
Code mode sends 3 tools and the gateway's instructions: %d tokens per turn, plus about
%.0f tokens of TypeScript declarations for each tool a task uses.
On a task of %d coupled turns using %d tools (the suite's typical multi-server task),
schemas cost %d tokens coupled and %d in code mode: %.1f %% saved, before counting the
tool results that code mode keeps out of the context.
`, cc.Tools, cc.CoupledPerTurn, cc.PrefillMsTurn, cc.CodePerTurn, cc.DeclPerTool, cc.TaskTurns, cc.TaskTools, cc.CoupledTask, cc.CodeTask, 100*cc.Saving)
	return err
}
