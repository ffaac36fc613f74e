package codeapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// loadToolSet reads testdata/NAME.json: either a list of MCP tool definitions
// (one server named NAME) or an object mapping server names to such lists.
// Schemas stay raw so that property order is kept.
func loadToolSet(t *testing.T, path string) []*catalog.Tool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type rawTool struct {
		Name         string               `json:"name"`
		Title        string               `json:"title"`
		Description  string               `json:"description"`
		InputSchema  json.RawMessage      `json:"inputSchema"`
		OutputSchema json.RawMessage      `json:"outputSchema"`
		Annotations  *mcp.ToolAnnotations `json:"annotations"`
	}
	sets := map[string][]rawTool{}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		var list []rawTool
		if err := json.Unmarshal(data, &list); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		sets[strings.TrimSuffix(filepath.Base(path), ".json")] = list
	} else if err := json.Unmarshal(data, &sets); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	c := catalog.New()
	for server, list := range sets {
		var tools []*mcp.Tool
		for _, rt := range list {
			mt := &mcp.Tool{Name: rt.Name, Title: rt.Title, Description: rt.Description, Annotations: rt.Annotations}
			if len(rt.InputSchema) > 0 {
				mt.InputSchema = rt.InputSchema
			}
			if len(rt.OutputSchema) > 0 {
				mt.OutputSchema = rt.OutputSchema
			}
			tools = append(tools, mt)
		}
		c.SetServer(server, tools)
	}
	return c.Tools()
}

// assertTypeScript fails when src is not valid TypeScript for esbuild.
func assertTypeScript(t testing.TB, src string) {
	t.Helper()
	res := api.Transform(src, api.TransformOptions{Loader: api.LoaderTS})
	for _, m := range res.Errors {
		line := ""
		if m.Location != nil {
			line = fmt.Sprintf("%d:%d: %s", m.Location.Line, m.Location.Column, m.Location.LineText)
		}
		t.Errorf("esbuild: %s at %s", m.Text, line)
	}
	if len(res.Errors) > 0 {
		t.Logf("source:\n%s", src)
	}
}

// assertPython fails when src does not parse as Python (skipped without
// python3).
func assertPython(t testing.TB, src string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command(py, "-c", "import ast,sys; ast.parse(sys.stdin.read())")
	cmd.Stdin = strings.NewReader(src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python3 ast.parse: %v\n%s\nsource:\n%s", err, out, src)
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		base := strings.TrimSuffix(f, ".json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			tools := loadToolSet(t, f)
			ts := TypeScript(tools)
			golden(t, base+".ts.golden", ts)
			assertTypeScript(t, ts)
			py := Python(tools)
			golden(t, base+".py.golden", py)
			assertPython(t, py)
			if TypeScript(tools) != ts || Python(tools) != py {
				t.Error("output is not deterministic")
			}
		})
	}
}

// TestHostileDescriptions checks that no description can leave its comment
// or docstring: the text after a would-be break-out must stay inside.
func TestHostileDescriptions(t *testing.T) {
	evil := "x */ declare const pwned: 1; /* \"\"\" \nimport os\nos.system('id') # \\"
	tools := catalogTools(t, "evil */ srv", []*mcp.Tool{{
		Name: "t */ x", Title: evil, Description: evil,
		InputSchema: map[string]any{"type": "object", "description": evil, "properties": map[string]any{
			"a */": map[string]any{"type": "string", "description": evil, "enum": []any{evil, "*/"}},
		}},
	}})
	ts := TypeScript(tools)
	assertTypeScript(t, ts)
	res := api.Transform(ts, api.TransformOptions{Loader: api.LoaderTS})
	if strings.TrimSpace(string(res.Code)) != "" {
		t.Errorf("declarations produced code (a comment was escaped):\n%s", res.Code)
	}
	py := Python(tools)
	assertPython(t, py)
	if strings.Contains(py, "\nimport os") {
		t.Errorf("description reached Python code:\n%s", py)
	}
}

func catalogTools(t testing.TB, server string, tools []*mcp.Tool) []*catalog.Tool {
	c := catalog.New()
	c.SetServer(server, tools)
	return c.Tools()
}

func TestNoOutputSchema(t *testing.T) {
	tools := catalogTools(t, "s", []*mcp.Tool{{Name: "t", Description: "Does t."}})
	ts := TypeScript(tools)
	if !strings.Contains(ts, "t(args?: s.TInput): Promise<unknown>;") {
		t.Errorf("signature:\n%s", ts)
	}
	if !strings.Contains(ts, "declares no output schema") {
		t.Errorf("no note about the output:\n%s", ts)
	}
}

func TestHostileSchemas(t *testing.T) {
	deep := `{"type":"string"}`
	for i := 0; i < 5000; i++ {
		deep = `{"type":"object","properties":{"a":` + deep + `}}`
	}
	deepArr := strings.Repeat(`{"anyOf":[`, 3000) + `true` + strings.Repeat(`]}`, 3000)
	var enum []string
	for i := 0; i < 10000; i++ {
		enum = append(enum, fmt.Sprintf(`"v%d"`, i))
	}
	huge := `{"type":"string","enum":[` + strings.Join(enum, ",") + `]}`
	wide := `{"type":"object","properties":{`
	for i := 0; i < 2000; i++ {
		if i > 0 {
			wide += ","
		}
		wide += fmt.Sprintf(`"p%d":{"type":"string"}`, i)
	}
	wide += `}}`
	// Exponential blow-up through refs: each def references the previous twice.
	defs := `"d0":{"type":"string"}`
	for i := 1; i < 40; i++ {
		defs += fmt.Sprintf(`,"d%d":{"type":"object","properties":{"a":{"$ref":"#/$defs/d%d"},"b":{"$ref":"#/$defs/d%d"}}}`, i, i-1, i-1)
	}
	bomb := `{"$defs":{` + defs + `},"$ref":"#/$defs/d39"}`
	// Same through inlined (non-$defs) pointers.
	ptr := `{"type":"object","properties":{"x":{"$ref":"#/properties/y"},"y":{"type":"array","items":{"$ref":"#/properties/x"}}}}`
	for name, schema := range map[string]string{"deep": deep, "deepArr": deepArr, "huge": huge, "wide": wide, "bomb": bomb, "ptr": ptr} {
		t.Run(name, func(t *testing.T) {
			tools := catalogTools(t, "s", []*mcp.Tool{{Name: "t", InputSchema: json.RawMessage(schema), OutputSchema: json.RawMessage(schema)}})
			ts := TypeScript(tools)
			if len(ts) > 2<<20 {
				t.Errorf("output is %d bytes", len(ts))
			}
			assertTypeScript(t, ts)
			py := Python(tools)
			if len(py) > 2<<20 {
				t.Errorf("python output is %d bytes", len(py))
			}
			if name != "wide" && name != "huge" { // python3 start-up is slow; two suffice
				return
			}
			assertPython(t, py)
		})
	}
	// The enum cap is documented in the output.
	ts := TypeScript(catalogTools(t, "s", []*mcp.Tool{{Name: "t", InputSchema: json.RawMessage(`{"type":"object","properties":{"e":` + huge + `}}`)}}))
	if !strings.Contains(ts, "One of 10000 values") || strings.Contains(ts, `"v100"`) {
		t.Errorf("enum not capped:\n%.2000s", ts)
	}
}

func TestSummary(t *testing.T) {
	long := strings.Repeat("word ", 60)
	tests := []struct {
		tool *catalog.Tool
		want string
	}{
		{&catalog.Tool{Description: "Hourly forecast for a city. Uses NWS."}, "Hourly forecast for a city."},
		{&catalog.Tool{Description: "Search, e.g. by name. More."}, "Search, e.g. by name."},
		{&catalog.Tool{Description: "Convert one value (e.g. 1 mi to m). More."}, "Convert one value (e.g. 1 mi to m)."},
		{&catalog.Tool{Description: "Costs 1.5 credits per call! Really."}, "Costs 1.5 credits per call!"},
		{&catalog.Tool{Description: "Line one\nline two.\n\nPara."}, "Line one line two."},
		{&catalog.Tool{Title: "Get forecast"}, "Get forecast"},
		{&catalog.Tool{Description: "  ", Title: "T"}, "T"},
		{&catalog.Tool{}, ""},
		{&catalog.Tool{Description: long}, strings.TrimSpace(strings.Repeat("word ", 23)) + "…"},
		{&catalog.Tool{Description: "a\x00b\tc\u2028d"}, "a b c d"},
	}
	for _, tt := range tests {
		got := Summary(tt.tool)
		if got != tt.want {
			t.Errorf("Summary(%q) = %q, want %q", tt.tool.Description, got, tt.want)
		}
		if len([]rune(got)) > 120 || strings.ContainsAny(got, "\n\r") {
			t.Errorf("Summary(%q) = %q: too long or multi-line", tt.tool.Description, got)
		}
	}
}

func TestPascal(t *testing.T) {
	tests := map[string]string{
		"get_forecast": "GetForecast", "_3d": "T3d", "": "T", "__": "T", "getHTTP": "GetHTTP",
		"a-b.c d": "ABCD", "日本": "T", "true": "True",
	}
	keys := make([]string, 0, len(tests))
	for k := range tests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got := pascal(k); got != tests[k] {
			t.Errorf("pascal(%q) = %q, want %q", k, got, tests[k])
		}
	}
}

func FuzzSchema(f *testing.F) {
	seeds := []string{
		`{}`, `true`, `false`, `null`, `[]`, `"x"`,
		`{"type":"object","properties":{"a":{"type":["string","null"]},"b-c":{"enum":[1,"x",null,true,{"o":1}]}},"required":["a"]}`,
		`{"$defs":{"N":{"type":"object","properties":{"next":{"$ref":"#/$defs/N"}}}},"$ref":"#/$defs/N"}`,
		`{"type":"array","prefixItems":[{"type":"string"},{"const":-1}],"items":{"type":"number"}}`,
		`{"anyOf":[{"type":"string"},{"allOf":[{"type":"object"},{"properties":{"x":{}}}]}]}`,
		`{"type":"object","additionalProperties":{"type":"array","items":{"$ref":"#"}}}`,
		`{"description":"*/ }; declare x","nullable":true,"type":"integer","default":"\"\"\""}`,
		`{"properties":{"__proto__":{"type":"string"},"from":{"type":"string"},"":{"type":"string"}}}`,
	}
	for _, s := range seeds {
		f.Add(s, "tool-name", "desc */")
	}
	f.Fuzz(func(t *testing.T, schema, name, desc string) {
		if !json.Valid([]byte(schema)) {
			return
		}
		tools := catalogTools(t, "srv", []*mcp.Tool{
			{Name: name, Description: desc, InputSchema: json.RawMessage(schema), OutputSchema: json.RawMessage(schema)},
			{Name: name + "2", InputSchema: json.RawMessage(schema)},
		})
		ts := TypeScript(tools)
		res := api.Transform(ts, api.TransformOptions{Loader: api.LoaderTS})
		if len(res.Errors) > 0 {
			t.Fatalf("esbuild: %s\n%s", res.Errors[0].Text, ts)
		}
		Python(tools)
		Summary(tools[0])
	})
}
