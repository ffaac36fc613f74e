package servers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// controlName is the server name under which TestMain turns the test binary
// into a deliberately broken MCP server.
const controlName = "smoke-control"

// serveControl serves, over stdio, two tools that a correct bundled server
// must never resemble: "broken" returns structuredContent that violates its
// own outputSchema, and "lenient" validates nothing, so invalid arguments
// succeed.
func serveControl() int {
	s := mcp.NewServer(&mcp.Implementation{Name: controlName, Version: "v0"}, nil)
	in := map[string]any{
		"type":       "object",
		"properties": map[string]any{"n": map[string]any{"type": "integer"}},
	}
	out := map[string]any{
		"type":       "object",
		"properties": map[string]any{"count": map[string]any{"type": "integer"}},
		"required":   []string{"count"},
	}
	s.AddTool(&mcp.Tool{Name: "broken", Description: "returns output that violates its schema", InputSchema: in, OutputSchema: out},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{
				Content:           []mcp.Content{&mcp.TextContent{Text: `{"count":"many"}`}},
				StructuredContent: map[string]any{"count": "many"},
			}, nil
		})
	s.AddTool(&mcp.Tool{Name: "lenient", Description: "accepts any arguments", InputSchema: in, OutputSchema: out},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{
				Content:           []mcp.Content{&mcp.TextContent{Text: `{"count":1}`}},
				StructuredContent: map[string]any{"count": 1},
			}, nil
		})
	if err := s.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		return 1
	}
	return 0
}

// TestSmokeDetectsBrokenServer is the negative control: the same script,
// pointed at a server whose output breaks its schema and which accepts
// invalid arguments, reports both failures, so the checks in
// TestTypeScriptClient can fail.
func TestSmokeDetectsBrokenServer(t *testing.T) {
	node := requirePeers(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	fixtures := filepath.Join(t.TempDir(), "control.json")
	if err := os.WriteFile(fixtures, []byte(`{"`+controlName+`": {
		"calls": [{"tool": "broken", "args": {"n": 1}}, {"tool": "lenient", "args": {"n": 1}}],
		"invalid": {"tool": "lenient", "args": {"n": "one"}, "want": "n"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r, ok := runSmoke(t, node, self, fixtures)[controlName]
	if !ok || r.Error != "" {
		t.Fatalf("control report = %+v", r)
	}
	if r.Tools != 2 || len(r.Calls) != 2 {
		t.Fatalf("control: %d tools, %d calls", r.Tools, len(r.Calls))
	}
	broken, lenient := r.Calls[0], r.Calls[1]
	if broken.OK || !strings.Contains(str(broken.Error), "output schema") {
		t.Errorf("broken: ok=%v error=%q; want the TypeScript client to reject structuredContent that violates the output schema", broken.OK, str(broken.Error))
	}
	if !lenient.OK || !lenient.Validated || !lenient.Structured {
		t.Errorf("lenient = %+v; want a validated success", lenient)
	}
	if r.Invalid == nil || r.Invalid.Kind != "accepted" {
		t.Errorf("invalid call on a server that validates nothing = %+v; want kind accepted", r.Invalid)
	}
}
