// Package servertest holds the protocol smoke-test scaffolding shared by the
// bundled servers' tests: it connects a real MCP client to a server over
// in-memory transports, checks the tools/list contract, and calls tools.
package servertest

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Connect starts s on one end of an in-memory transport pair, connects a
// client to the other end (which performs the initialize handshake), and
// closes both when the test ends.
func Connect(t testing.TB, s *mcp.Server) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "servertest", Version: "v0"}, nil)
	cs, err := c.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() {
		_ = cs.Close()
		_ = ss.Wait()
	})
	return cs
}

// CheckTools lists the tools of cs and asserts the bundled-server contract:
// between 5 and 15 tools, each with a description, an object input schema,
// an output schema, and annotations with a title and explicit hints. It
// returns the tools sorted by name.
func CheckTools(t testing.TB, cs *mcp.ClientSession) []*mcp.Tool {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	tools := res.Tools
	if n := len(tools); n < 5 || n > 15 {
		t.Errorf("tool count = %d, want 5..15", n)
	}
	for _, tl := range tools {
		if len(tl.Description) < 40 {
			t.Errorf("%s: description too short: %q", tl.Name, tl.Description)
		}
		in, _ := json.Marshal(tl.InputSchema)
		out, _ := json.Marshal(tl.OutputSchema)
		if !strings.Contains(string(in), `"type":"object"`) {
			t.Errorf("%s: input schema is not an object: %s", tl.Name, in)
		}
		if tl.OutputSchema == nil || !strings.Contains(string(out), `"properties"`) {
			t.Errorf("%s: missing output schema: %s", tl.Name, out)
		}
		checkDescribed(t, tl.Name+" input", tl.InputSchema)
		a := tl.Annotations
		switch {
		case a == nil:
			t.Errorf("%s: no annotations", tl.Name)
		case a.Title == "" || a.DestructiveHint == nil || a.OpenWorldHint == nil:
			t.Errorf("%s: annotations incomplete: %+v", tl.Name, a)
		}
	}
	slices.SortFunc(tools, func(a, b *mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	return tools
}

// checkDescribed asserts that every top-level input property has a description.
func checkDescribed(t testing.TB, where string, schema any) {
	t.Helper()
	raw, _ := json.Marshal(schema)
	var s struct {
		Properties map[string]struct {
			Description string `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Errorf("%s: decode schema: %v", where, err)
		return
	}
	for name, p := range s.Properties {
		if p.Description == "" {
			t.Errorf("%s: property %q has no description", where, name)
		}
	}
}

// Call calls tool name with args and fails the test on a protocol error.
func Call(t testing.TB, cs *mcp.ClientSession, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: protocol error: %v", name, err)
	}
	return res
}

// CallOK calls tool name, asserts the call succeeded, and decodes the
// structured content into a T. It also returns the raw structured JSON.
func CallOK[T any](t testing.TB, cs *mcp.ClientSession, name string, args any) (T, []byte) {
	t.Helper()
	var out T
	res := Call(t, cs, name, args)
	if res.IsError {
		t.Fatalf("call %s(%v): tool error: %s", name, args, Text(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatalf("call %s: marshal structured content: %v", name, err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("call %s: decode %s: %v", name, raw, err)
	}
	return out, raw
}

// CallErr calls tool name, asserts the result is a tool error (IsError, not
// a protocol error), and that its text contains every string in want.
func CallErr(t testing.TB, cs *mcp.ClientSession, name string, args any, want ...string) string {
	t.Helper()
	res := Call(t, cs, name, args)
	msg := Text(res)
	if !res.IsError {
		t.Fatalf("call %s(%v): want a tool error, got %s", name, args, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("call %s(%v): error %q does not mention %q", name, args, msg, w)
		}
	}
	return msg
}

// Text joins the text content blocks of res.
func Text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// A Case is one valid call in a CallAll table.
type Case struct {
	Name  string // subtest name; defaults to Tool
	Tool  string
	Args  map[string]any
	Check func(t *testing.T, raw []byte) // asserts on the structured content
}

// CallAll runs each case as a subtest, asserts the call succeeds and that a
// second identical call returns the same bytes (determinism), then runs Check.
// It fails if some tool in tools has no case.
func CallAll(t *testing.T, cs *mcp.ClientSession, tools []*mcp.Tool, cases []Case) {
	t.Helper()
	covered := map[string]bool{}
	for _, c := range cases {
		covered[c.Tool] = true
		name := c.Name
		if name == "" {
			name = c.Tool
		}
		t.Run(name, func(t *testing.T) {
			_, raw := CallOK[json.RawMessage](t, cs, c.Tool, c.Args)
			_, again := CallOK[json.RawMessage](t, cs, c.Tool, c.Args)
			if string(raw) != string(again) {
				t.Errorf("not deterministic:\n%s\n%s", raw, again)
			}
			if c.Check != nil {
				c.Check(t, raw)
			}
		})
	}
	for _, tl := range tools {
		if !covered[tl.Name] {
			t.Errorf("tool %s has no valid-call case", tl.Name)
		}
	}
}

// Decode unmarshals raw into a T or fails the test.
func Decode[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// Golden compares got with testdata/name, rewriting the file under -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from output (run go test -update to accept):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// ToolsGolden renders the tool list (names, annotations, schemas) as indented
// JSON and compares it with testdata/tools.golden.json.
func ToolsGolden(t testing.TB, tools []*mcp.Tool) {
	t.Helper()
	got, err := json.MarshalIndent(tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	Golden(t, "tools.golden.json", append(got, '\n'))
}

// Near reports whether a and b agree within tol, absolutely or relatively.
func Near(a, b, tol float64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	m := b
	if m < 0 {
		m = -m
	}
	return d <= tol || d <= tol*m
}
