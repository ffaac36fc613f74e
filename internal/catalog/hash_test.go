package catalog

import (
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func baseTool() *mcp.Tool {
	return &mcp.Tool{
		Name:        "get_forecast",
		Title:       "Forecast",
		Description: "Hourly forecast.",
		InputSchema: map[string]any{"type": "object", "properties": map[string]any{
			"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}}},
		OutputSchema: map[string]any{"type": "object"},
		Annotations:  &mcp.ToolAnnotations{ReadOnlyHint: true},
	}
}

func TestHashFields(t *testing.T) {
	base := Hash(baseTool())
	if len(base) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", base)
	}
	tests := []struct {
		name   string
		change func(*mcp.Tool)
	}{
		{"name", func(t *mcp.Tool) { t.Name = "get_forecast2" }},
		{"title", func(t *mcp.Tool) { t.Title = "Forecast!" }},
		{"description", func(t *mcp.Tool) { t.Description += " " }},
		{"inputSchema", func(t *mcp.Tool) { t.InputSchema.(map[string]any)["required"] = []any{"city"} }},
		{"inputSchema nested", func(t *mcp.Tool) {
			t.InputSchema.(map[string]any)["properties"].(map[string]any)["days"] = map[string]any{"type": "number"}
		}},
		{"outputSchema", func(t *mcp.Tool) { t.OutputSchema = map[string]any{"type": "array"} }},
		{"outputSchema removed", func(t *mcp.Tool) { t.OutputSchema = nil }},
		{"annotations", func(t *mcp.Tool) { t.Annotations.ReadOnlyHint = false }},
		{"annotations destructive", func(t *mcp.Tool) { f := false; t.Annotations.DestructiveHint = &f }},
		{"annotations removed", func(t *mcp.Tool) { t.Annotations = nil }},
	}
	for _, tt := range tests {
		tool := baseTool()
		tt.change(tool)
		if Hash(tool) == base {
			t.Errorf("changing %s did not change the hash", tt.name)
		}
	}
	// Fields outside the definition do not count.
	tool := baseTool()
	tool.Meta = mcp.Meta{"x": 1}
	if Hash(tool) != base {
		t.Error("_meta changed the hash")
	}
}

func TestHashStable(t *testing.T) {
	a := Hash(baseTool())
	// Same schema as raw JSON with another key order and whitespace.
	tool := baseTool()
	tool.InputSchema = json.RawMessage(`{ "properties": {"days": {"type":"integer"}, "city": {"type": "string"}},
		"type": "object" }`)
	if got := Hash(tool); got != a {
		t.Errorf("raw JSON with other key order: %s != %s", got, a)
	}
	for i := 0; i < 20; i++ { // map iteration order varies between runs
		if Hash(baseTool()) != a {
			t.Fatal("hash not stable")
		}
	}
	// Large integers keep their exact text.
	t1, t2 := baseTool(), baseTool()
	t1.InputSchema = json.RawMessage(`{"maximum": 9007199254740993}`)
	t2.InputSchema = json.RawMessage(`{"maximum": 9007199254740992}`)
	if Hash(t1) == Hash(t2) {
		t.Error("large integers collapsed")
	}
}

func TestCanonicalJSON(t *testing.T) {
	got, err := canonicalJSON(json.RawMessage(`{"b": [1, {"d":null,"c":true}], "a": "x<y"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"x\u003cy","b":[1,{"c":true,"d":null}]}`; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}
