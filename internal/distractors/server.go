package distractors

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Server returns an MCP server serving the spec's tools.
func (s Spec) Server() *mcp.Server {
	srv := mcp.NewServer(&mcp.Implementation{Name: s.Name, Title: s.Title, Version: "1.0.0"}, &mcp.ServerOptions{Instructions: s.Summary})
	for _, t := range s.Tools {
		srv.AddTool(&mcp.Tool{
			Name: t.Name, Title: t.Title, Description: t.Description,
			InputSchema: t.InputSchema, OutputSchema: t.OutputSchema, Annotations: t.Annotations,
		}, handler(s.Name, t))
	}
	return srv
}

func handler(server string, t ToolSpec) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		in := map[string]any{}
		if req.Params != nil && len(req.Params.Arguments) > 0 {
			if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
				return errorResult("arguments must be a JSON object: " + err.Error()), nil
			}
		}
		if missing := missingRequired(t.InputSchema, in); len(missing) > 0 {
			return errorResult(fmt.Sprintf("%s: missing required argument(s): %s", t.Name, strings.Join(missing, ", "))), nil
		}
		canon, _ := json.Marshal(in) // map keys are sorted: a canonical form
		h := fnv.New64a()
		fmt.Fprintf(h, "%s\x00%s\x00%s", server, t.Name, canon)
		g := &gen{rng: rand.New(rand.NewPCG(h.Sum64(), 0x7465)), limit: listLimit(in)}
		v := g.value(t.OutputSchema, "")
		if m, ok := v.(map[string]any); ok {
			if id, ok := in["id"].(string); ok {
				if _, has := m["id"]; has {
					m["id"] = id
				}
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encode %s result: %w", t.Name, err)
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}, nil
	}
}

func errorResult(msg string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

// missingRequired lists the required top-level properties absent from in.
func missingRequired(schema map[string]any, in map[string]any) []string {
	var out []string
	req, _ := schema["required"].([]any)
	for _, r := range req {
		if _, ok := in[r.(string)]; !ok {
			out = append(out, r.(string))
		}
	}
	return out
}

func listLimit(in map[string]any) int {
	n := 0.0
	if p, ok := in["page"].(map[string]any); ok {
		n, _ = p["limit"].(float64)
	}
	if l, ok := in["limit"].(float64); ok {
		n = l
	}
	switch {
	case n <= 0:
		return 5
	case n > 8:
		return 8 // keep answers short
	}
	return int(n)
}

// gen makes plausible values for a schema.
type gen struct {
	rng   *rand.Rand
	limit int
}

var (
	firstNames = []string{"Ava", "Ben", "Chloe", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen", "Yusuf", "Zoe"}
	lastNames  = []string{"Adams", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kim", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Rossi", "Sato", "Tran", "Vogel"}
	words      = []string{"alpha", "quarterly", "launch", "billing", "onboarding", "migration", "review", "roadmap", "latency", "customer", "mobile", "search", "checkout", "sync", "report", "pipeline", "security", "backup", "pricing", "audit", "growth", "support", "beta", "cleanup"}
	baseTime   = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
)

func (g *gen) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *gen) value(s map[string]any, name string) any {
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[g.rng.IntN(len(e))]
	}
	switch s["type"] {
	case "object":
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := map[string]any{}
		for _, k := range keys {
			out[k] = g.value(props[k].(map[string]any), k)
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		n := 1 + g.rng.IntN(3)
		if name == "items" || name == "results" {
			n = g.limit
		}
		out := make([]any, n)
		for i := range out {
			out[i] = g.value(items, strings.TrimSuffix(name, "s"))
		}
		return out
	case "integer":
		lo, hi := bound(s, "minimum", 0), bound(s, "maximum", 5000)
		if strings.HasSuffix(name, "_percent") {
			hi = math.Min(hi, 100)
		}
		return int(lo) + g.rng.IntN(int(hi-lo)+1)
	case "number":
		lo, hi := bound(s, "minimum", 0), bound(s, "maximum", 10000)
		return math.Round((lo+g.rng.Float64()*(hi-lo))*100) / 100
	case "boolean":
		return g.rng.IntN(2) == 1
	case "string":
		return g.text(s, name)
	}
	return nil
}

func bound(s map[string]any, k string, def float64) float64 {
	switch v := s[k].(type) {
	case float64:
		return v
	case int:
		return float64(v)
	}
	return def
}

func (g *gen) text(s map[string]any, name string) string {
	switch s["format"] {
	case "date-time":
		return baseTime.Add(time.Duration(g.rng.IntN(400*24)) * time.Hour).Format(time.RFC3339)
	case "email":
		return strings.ToLower(g.pick(firstNames) + "." + g.pick(lastNames) + "@example.com")
	case "uri":
		return fmt.Sprintf("https://app.example.com/%s/%d", g.pick(words), 1000+g.rng.IntN(9000))
	}
	switch {
	case name == "id" || strings.HasSuffix(name, "_id"):
		return fmt.Sprintf("%s_%08x", strings.TrimSuffix(prefix(name), "_id"), g.rng.Uint32())
	case name == "name" || name == "real_name" || name == "display_name" || name == "author" || name == "lead" || name == "head" || strings.HasSuffix(name, "oncall") || name == "owner" || name == "created_by":
		return g.pick(firstNames) + " " + g.pick(lastNames)
	case strings.Contains(name, "title") || strings.Contains(name, "subject") || strings.Contains(name, "summary"):
		return strings.ToUpper(g.pick(words)[:1]) + g.pick(words)[1:] + " " + g.pick(words) + " " + g.pick(words)
	case name == "sha" || name == "number" || name == "code" || name == "tracking_number":
		return fmt.Sprintf("%X", g.rng.Uint64())[:10]
	}
	n := 2 + g.rng.IntN(6)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.pick(words)
	}
	return strings.Join(parts, " ")
}

func prefix(name string) string {
	if name == "id" || name == "" {
		return "obj"
	}
	return name
}
