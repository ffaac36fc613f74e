package distractors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

func compile(t testing.TB, id string, schema map[string]any) *jsonschema.Schema {
	t.Helper()
	b, err := json.Marshal(schema)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	url := "mem://" + id + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: schema does not compile: %v\n%s", id, err, b)
	}
	return s
}

func TestCatalogParses(t *testing.T) {
	ds, err := loadDomains()
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) < 12 {
		t.Errorf("%d domains, want at least 12", len(ds))
	}
	for _, d := range ds {
		if n := len(d.Resources) * len(verbs); n < MaxTools {
			t.Errorf("domain %s offers %d tools, fewer than a full server (%d)", d.Name, n, MaxTools)
		}
	}
}

func TestThousandTools(t *testing.T) {
	specs := Specs(1000, 42)
	if got := ToolCount(specs); got != 1000 {
		t.Fatalf("ToolCount = %d, want 1000", got)
	}
	servers := map[string]bool{}
	domainsSeen := map[string]bool{}
	for _, s := range specs {
		if servers[s.Name] {
			t.Errorf("server name %s twice", s.Name)
		}
		servers[s.Name] = true
		domainsSeen[strings.SplitN(s.Name, "_", 2)[0]] = true
		if n := len(s.Tools); n < MinTools || n > MaxTools {
			t.Errorf("server %s has %d tools, want %d..%d", s.Name, n, MinTools, MaxTools)
		}
		names := map[string]bool{}
		for _, tl := range s.Tools {
			if names[tl.Name] {
				t.Errorf("server %s: tool %s twice", s.Name, tl.Name)
			}
			names[tl.Name] = true
			if tl.Description == "" || tl.Title == "" || tl.Annotations == nil || tl.Annotations.DestructiveHint == nil {
				t.Errorf("%s.%s: missing description, title or annotations", s.Name, tl.Name)
			}
			compile(t, s.Name+"."+tl.Name+".in", tl.InputSchema)
			compile(t, s.Name+"."+tl.Name+".out", tl.OutputSchema)
		}
	}
	if len(domainsSeen) < 12 {
		t.Errorf("only %d API families among %d servers", len(domainsSeen), len(specs))
	}
}

func TestSizes(t *testing.T) {
	for _, n := range []int{1, 9, 10, 11, 39, 40, 41, 79, 80, 81, 250, 1000, 3000} {
		specs := Specs(n, int64(n))
		if got := ToolCount(specs); got != n {
			t.Errorf("Specs(%d): %d tools", n, got)
		}
		for _, s := range specs {
			if n >= MinTools && (len(s.Tools) < MinTools || len(s.Tools) > MaxTools) {
				t.Errorf("Specs(%d): server %s has %d tools", n, s.Name, len(s.Tools))
			}
		}
	}
	if Specs(0, 1) != nil {
		t.Error("Specs(0) is not empty")
	}
}

func TestDeterministic(t *testing.T) {
	a, _ := json.Marshal(Specs(1000, 7))
	b, _ := json.Marshal(Specs(1000, 7))
	c, _ := json.Marshal(Specs(1000, 8))
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different specs")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same specs")
	}
	// What clients see: tools/list of the served servers, byte for byte.
	l1, l2 := listAll(t, Servers(300, 3)), listAll(t, Servers(300, 3))
	if !bytes.Equal(l1, l2) {
		t.Error("same seed served different tools/list")
	}
}

func connect(t testing.TB, s *mcp.Server) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := s.Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func listAll(t *testing.T, ss []*mcp.Server) []byte {
	var all []any
	for _, s := range ss {
		lt, err := connect(t, s).ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, lt.Tools)
	}
	b, _ := json.Marshal(all)
	return b
}

// minimalArgs fills the required arguments of an input schema.
func minimalArgs(s map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	for _, r := range req {
		p := props[r.(string)].(map[string]any)
		k := r.(string)
		if e, ok := p["enum"].([]any); ok {
			out[k] = e[0]
			continue
		}
		switch p["type"] {
		case "object":
			out[k] = minimalArgs(p)
		case "integer", "number":
			out[k] = 1
		case "boolean":
			out[k] = true
		case "array":
			out[k] = []any{}
		default:
			switch p["format"] {
			case "date-time":
				out[k] = "2025-01-01T00:00:00Z"
			case "email":
				out[k] = "a@example.com"
			case "uri":
				out[k] = "https://example.com/x"
			default:
				out[k] = "x-" + k
			}
		}
	}
	return out
}

func TestCallsWork(t *testing.T) {
	specs := Specs(400, 11)
	ctx := context.Background()
	calls := 0
	for _, spec := range specs {
		cs := connect(t, spec.Server())
		lt, err := cs.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(lt.Tools) != len(spec.Tools) {
			t.Fatalf("%s serves %d tools, spec has %d", spec.Name, len(lt.Tools), len(spec.Tools))
		}
		for i, tl := range spec.Tools {
			if i%3 != 0 {
				continue
			}
			out := compile(t, tl.Name+".out", tl.OutputSchema)
			in := compile(t, tl.Name+".in", tl.InputSchema)
			args := minimalArgs(tl.InputSchema)
			if err := in.Validate(roundTrip(t, args)); err != nil {
				t.Fatalf("%s.%s: minimal arguments invalid: %v", spec.Name, tl.Name, err)
			}
			var first []byte
			for k := 0; k < 2; k++ {
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tl.Name, Arguments: args})
				if err != nil || res.IsError {
					t.Fatalf("%s.%s(%v): %v %v", spec.Name, tl.Name, args, err, res)
				}
				b, _ := json.Marshal(res.StructuredContent)
				if err := out.Validate(roundTrip(t, res.StructuredContent)); err != nil {
					t.Fatalf("%s.%s: result does not match its output schema: %v\n%s", spec.Name, tl.Name, err, b)
				}
				if k == 0 {
					first = b
				} else if !bytes.Equal(first, b) {
					t.Errorf("%s.%s: same call, different results", spec.Name, tl.Name)
				}
			}
			if id, ok := args["id"]; ok {
				var m map[string]any
				_ = json.Unmarshal(first, &m)
				if m["id"] != id {
					t.Errorf("%s.%s: result id %v, want the requested %v", spec.Name, tl.Name, m["id"], id)
				}
			}
			calls++
			// Missing required arguments are a tool error, not a crash.
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tl.Name, Arguments: map[string]any{}})
			if err != nil || !res.IsError || !strings.Contains(fmt.Sprint(res.Content[0].(*mcp.TextContent).Text), "missing required") {
				t.Errorf("%s.%s with no arguments: want a tool error naming the missing arguments, got %v %v", spec.Name, tl.Name, err, res)
			}
		}
	}
	if calls < 100 {
		t.Errorf("only %d tools called", calls)
	}
}

func roundTrip(t testing.TB, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestParseDomainErrors(t *testing.T) {
	for _, line := range []string{
		"",
		"x|X|scope",
		"Bad|X|s:d|r: a:s, b:s",
		"x|X|s:d|r: a:s",
		"x|X|s:d|r: a:s, b:q",
		"x|X|s:d|r: a:s, a:s",
		"x|X|s:d|r: a:s, id:s",
		"x|X|s:d|r: a:s, b:e()",
		"x|X|s:d|r: a:s, b:s; r: c:s, d:s",
	} {
		if _, err := parseDomain(line); err == nil {
			t.Errorf("parseDomain(%q) accepted a bad line", line)
		}
	}
	d, err := parseDomain("x|X|scope:the scope|thing: a:s, b:e(p|q), c:t")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Resources) != 1 || d.Resources[0].Plural != "things" || len(d.Resources[0].Fields[1].Enum) != 2 {
		t.Errorf("parsed %+v", d)
	}
}

func FuzzParseDomain(f *testing.F) {
	for _, l := range catalog[:3] {
		f.Add(l)
	}
	f.Add("x|X|s:d|r: a:s, b:e(p|q)")
	f.Fuzz(func(t *testing.T, line string) {
		d, err := parseDomain(line)
		if err != nil {
			return
		}
		for _, r := range d.Resources {
			for _, v := range verbs {
				tl := buildTool(d, r, v)
				compile(t, "fuzz", tl.InputSchema)
				compile(t, "fuzz", tl.OutputSchema)
			}
		}
	})
}

func BenchmarkSpecs1000(b *testing.B) {
	for b.Loop() {
		Specs(1000, 1)
	}
}

func BenchmarkServe1000(b *testing.B) {
	for b.Loop() {
		Servers(1000, 1)
	}
}
