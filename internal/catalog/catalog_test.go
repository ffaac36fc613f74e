package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func qualifiedNames(tools []*Tool) []string {
	var out []string
	for _, t := range tools {
		out = append(out, t.Qualified)
	}
	return out
}

func TestSetServer(t *testing.T) {
	c := New()
	if c.Version() != 0 || len(c.Tools()) != 0 {
		t.Fatal("new catalog not empty")
	}
	tools := []*mcp.Tool{
		{Name: "get_forecast", Description: "Forecast.", InputSchema: map[string]any{"type": "object"},
			OutputSchema: map[string]any{"type": "object"}},
		{Name: "alerts"}, // no schemas at all
	}
	if !c.SetServer("weather", tools) {
		t.Fatal("first SetServer: changed = false")
	}
	v := c.Version()
	if c.SetServer("weather", tools) {
		t.Error("same tools: changed = true")
	}
	if c.Version() != v {
		t.Error("version bumped without change")
	}
	got, ok := c.Lookup("weather.alerts")
	if !ok {
		t.Fatal("Lookup weather.alerts failed")
	}
	if string(got.InputSchema) != "{}" || got.OutputSchema != nil {
		t.Errorf("schemas of alerts: in %s out %s", got.InputSchema, got.OutputSchema)
	}
	f, _ := c.Lookup("weather.get_forecast")
	if string(f.InputSchema) != `{"type":"object"}` || string(f.OutputSchema) != `{"type":"object"}` {
		t.Errorf("schemas of get_forecast: in %s out %s", f.InputSchema, f.OutputSchema)
	}
	if f.Hash != Hash(tools[0]) || f.JSServer != "weather" || f.JSName != "get_forecast" {
		t.Errorf("tool fields: %+v", f)
	}

	// A changed description is a change.
	tools2 := []*mcp.Tool{{Name: "get_forecast", Description: "Changed."}, {Name: "alerts"}}
	if !c.SetServer("weather", tools2) || c.Version() <= v {
		t.Error("changed description not detected")
	}
	// The old snapshot is untouched.
	if f.Description != "Forecast." {
		t.Error("published Tool was mutated")
	}
	// An empty server is still a server.
	if !c.SetServer("empty", nil) {
		t.Error("new empty server: changed = false")
	}
	if diff := cmp.Diff([]string{"empty", "weather"}, c.Servers()); diff != "" {
		t.Error(diff)
	}
	c.RemoveServer("empty")
	v = c.Version()
	c.RemoveServer("empty")
	if c.Version() != v {
		t.Error("removing an unknown server bumped the version")
	}
	if diff := cmp.Diff([]string{"weather.alerts", "weather.get_forecast"}, qualifiedNames(c.Tools())); diff != "" {
		t.Error(diff)
	}
	if c.ServerTools("nope") != nil {
		t.Error("ServerTools of unknown server")
	}
}

func TestLookupDots(t *testing.T) {
	c := New()
	c.SetServer("a", []*mcp.Tool{{Name: "b.c"}, {Name: "x"}})
	c.SetServer("a.b", []*mcp.Tool{{Name: "c"}, {Name: "d"}})
	c.SetServer("files", []*mcp.Tool{{Name: "read.file.v2"}})
	tests := []struct {
		q          string
		server     string
		name       string
		wantAbsent bool
	}{
		{q: "a.b.c", server: "a", name: "b.c"}, // shortest server prefix first
		{q: "a.b.d", server: "a.b", name: "d"}, // falls through to the longer server
		{q: "a.x", server: "a", name: "x"},
		{q: "files.read.file.v2", server: "files", name: "read.file.v2"},
		{q: "files", wantAbsent: true},
		{q: "files.", wantAbsent: true},
		{q: ".x", wantAbsent: true},
		{q: "nope.x", wantAbsent: true},
	}
	for _, tt := range tests {
		got, ok := c.Lookup(tt.q)
		if ok == tt.wantAbsent {
			t.Errorf("Lookup(%q) ok = %v", tt.q, ok)
			continue
		}
		if ok && (got.Server != tt.server || got.Name != tt.name) {
			t.Errorf("Lookup(%q) = %s / %s", tt.q, got.Server, got.Name)
		}
	}
}

func TestJSIdentifiers(t *testing.T) {
	c := New()
	c.SetServer("my-server", []*mcp.Tool{{Name: "get.x"}, {Name: "get-x"}, {Name: "delete"}})
	check := func(js, name, wantQualified string) {
		t.Helper()
		got, ok := c.LookupJS(js, name)
		if !ok || got.Qualified != wantQualified {
			t.Errorf("LookupJS(%s, %s) = %v, %v; want %s", js, name, got, ok, wantQualified)
		}
	}
	check("my_server", "get_x", "my-server.get-x")
	check("my_server", "get_x_2", "my-server.get.x")
	check("my_server", "delete_", "my-server.delete")

	// Adding an unrelated server renames nothing, nor does a colliding one
	// that sorts after.
	c.SetServer("my.server", []*mcp.Tool{{Name: "z"}})
	check("my_server_2", "z", "my.server.z")
	c.RemoveServer("my.server")
	c.SetServer("call", []*mcp.Tool{{Name: "x"}})
	check("my_server", "get_x", "my-server.get-x")
	check("call_", "x", "call.x")
	// A colliding server that sorts first takes the base name.
	c.SetServer("my server", []*mcp.Tool{{Name: "y"}}) // ' ' < '-'
	check("my_server", "y", "my server.y")
	check("my_server_2", "get_x", "my-server.get-x")
	// And removing it gives the name back.
	c.RemoveServer("my server")
	check("my_server", "get_x", "my-server.get-x")
}

func TestConcurrent(t *testing.T) {
	c := New()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				c.SetServer(fmt.Sprintf("s%d", i), []*mcp.Tool{{Name: fmt.Sprintf("t%d", j), Description: "list things"}})
				if j%10 == 0 {
					c.RemoveServer(fmt.Sprintf("s%d", i))
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				c.Search("list things", 5)
				for _, tool := range c.Tools() {
					_ = tool.JSServer + tool.JSName
				}
				c.Lookup("s1.t3")
				c.Version()
			}
		}()
	}
	wg.Wait()
}

// TestFromRealServer feeds the catalog with tools listed by a real SDK client
// from a real SDK server, as the upstream hub will.
func TestFromRealServer(t *testing.T) {
	ctx := context.Background()
	type in struct {
		City string `json:"city" jsonschema:"City name"`
	}
	type out struct {
		TempC float64 `json:"temp_c"`
	}
	srv := mcp.NewServer(&mcp.Implementation{Name: "weather"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "get_forecast", Description: "Forecast for a city.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, req *mcp.CallToolRequest, a in) (*mcp.CallToolResult, out, error) {
			return nil, out{}, nil
		})
	ct, st := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cl := mcp.NewClient(&mcp.Implementation{Name: "test"}, nil)
	cs, err := cl.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := New()
	c.SetServer("weather", res.Tools)
	tool, ok := c.Lookup("weather.get_forecast")
	if !ok {
		t.Fatal("tool missing")
	}
	var in1 struct {
		Properties map[string]struct {
			Type        string `json:"type"`
			Description string `json:"description"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(tool.InputSchema, &in1); err != nil || in1.Properties["city"].Description != "City name" {
		t.Errorf("input schema %s (%v)", tool.InputSchema, err)
	}
	if tool.OutputSchema == nil || tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
		t.Errorf("output schema %s, annotations %+v", tool.OutputSchema, tool.Annotations)
	}
	// Listing again gives the same hash: no spurious change.
	res2, _ := cs.ListTools(ctx, nil)
	if c.SetServer("weather", res2.Tools) {
		t.Error("relisting the same tools reported a change")
	}
}
