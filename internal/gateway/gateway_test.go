package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/sandbox"
)

// testConfig returns a config whose servers are this test binary serving the
// named test servers over stdio.
func testConfig(t testing.TB, extra string, names ...string) *config.Config {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, n := range names {
		entries = append(entries, fmt.Sprintf(`%q: {"command": %q, "env": {"CEMCP_GATEWAY_TEST_SERVER": %q}}`, n, exe, n))
	}
	if extra == "" {
		extra = "{}"
	}
	src := fmt.Sprintf(`{"mcpServers": {%s}, "cemcp": %s}`, strings.Join(entries, ","), extra)
	cfg, err := config.Parse([]byte(src), "test.json", nil)
	if err != nil {
		t.Fatalf("config: %v\n%s", err, src)
	}
	return cfg
}

func newTestGateway(t testing.TB, cfg *config.Config) *Gateway {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Cemcp.Audit.Path = filepath.Join(t.TempDir(), "audit.db")
	g, err := New(ctx, Options{Config: cfg, Executor: sandbox.NewInProcess(sandbox.Limits{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// connect returns an SDK client session on the gateway's MCP face.
func connect(t testing.TB, g *Gateway) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := g.Server().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func callJSON(t testing.TB, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	var m map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &m)
	}
	return res, m
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func TestCodeModeToolsOverMCP(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "units", "math"))
	cs := connect(t, g)

	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range lt.Tools {
		names = append(names, tl.Name)
	}
	if diff := cmp.Diff([]string{"describe_tools", "execute_code", "search_tools"}, names); diff != "" {
		t.Errorf("tools served in code mode (-want +got):\n%s", diff)
	}

	_, sr := callJSON(t, cs, "search_tools", map[string]any{"query": "convert miles to kilometers", "limit": 3})
	hits, _ := sr["tools"].([]any)
	if len(hits) == 0 || hits[0].(map[string]any)["name"] != "units.convert" {
		t.Errorf("search_tools top hit = %v, want units.convert", hits)
	}

	dr, _ := callJSON(t, cs, "describe_tools", map[string]any{"names": []string{"units.convert", "math.describe", "nope.nothing"}})
	decl := text(dr)
	for _, want := range []string{"declare const tools", "convert(args", "describe(args", "Not found: nope.nothing"} {
		if !strings.Contains(decl, want) {
			t.Errorf("describe_tools output lacks %q:\n%s", want, decl)
		}
	}

	code := `
const miles = [1, 5, 10];
const km = await Promise.all(miles.map(m => tools.units.convert({ value: m, from: "mi", to: "km" })));
const stats = await tools.call("math.describe", { data: km.map(r => r.result) });
console.log("converted", km.length);
return { total: stats.sum, mean: stats.mean };`
	er, em := callJSON(t, cs, "execute_code", map[string]any{"code": code})
	if er.IsError {
		t.Fatalf("execute_code failed: %s", text(er))
	}
	res := em["result"].(map[string]any)
	if got := res["total"].(float64); got < 25.749 || got > 25.751 {
		t.Errorf("total km = %v, want 16*1.609344 = 25.75", got)
	}
	calls := em["calls"].([]any)
	if len(calls) != 4 {
		t.Errorf("calls = %d records, want 4: %v", len(calls), calls)
	}
	for _, c := range calls {
		c := c.(map[string]any)
		if c["status"] != "ok" || c["decision"] != "allow" {
			t.Errorf("call record %v, want ok/allow", c)
		}
	}
	if !strings.Contains(text(er), "converted 3") || !strings.Contains(text(er), `"total"`) {
		t.Errorf("model-visible text lacks output or result:\n%s", text(er))
	}
	if em["run_id"] == "" || em["isolated"] != false {
		t.Errorf("run_id/isolated wrong: %v %v", em["run_id"], em["isolated"])
	}
}

// TestFailures drives misbehaving upstreams and programs. Each must give a
// clear error while the gateway stays up, and nothing may leak.
func TestFailures(t *testing.T) {
	baseG := runtime.NumGoroutine()
	cfg := testConfig(t, `{"sandbox": {"mode": "inprocess", "timeout_ms": 2000, "max_output_bytes": 4096},
		"servers": {"bad": {"call_timeout_ms": 500, "trust": "trusted"}}}`, "bad", "units")
	// A server whose command does not exist: reported and skipped.
	cfg.Servers["missing"] = &config.Server{Name: "missing", Type: "stdio", Command: "/nonexistent/mcp-server", StartTimeout: 5 * time.Second, CallTimeout: time.Second}
	g := newTestGateway(t, cfg)

	var missing bool
	for _, s := range g.Status() {
		if s.Name == "missing" {
			missing = s.State == "failed" && strings.Contains(s.Error, "/nonexistent/mcp-server")
		}
	}
	if !missing {
		t.Errorf("missing server not reported as failed with its command: %+v", g.Status())
	}

	tests := []struct {
		name      string
		code      string
		wantKind  string // RunError kind, "" for success
		wantText  []string
		wantFlags []string
	}{
		{"hang", `return await tools.bad.hang({})`, "exception", []string{"timeout"}, nil},
		{"tool error sanitized", `try { await tools.bad.fail({}) } catch (e) { return {cls: e instanceof ToolError, code: e.code, len: e.message.length, esc: e.message.includes("\x1b"), zw: e.message.includes("\u200b")} }`,
			"", []string{`"cls":true`, `"code":"tool_error"`, `"esc":false`, `"zw":false`}, nil},
		{"syntax error", "const x = ;\nreturn 1", "syntax", nil, nil},
		{"infinite loop", `while (true) {}`, "timeout", nil, []string{"limit"}},
		{"throw", `throw new Error("boom")`, "exception", []string{"boom"}, nil},
		{"50 MB print", `console.log("x".repeat(50 << 20)); return "done"`, "", []string{"done"}, []string{"truncated"}},
		{"unknown tool", `return await tools.call("nope.nothing", {})`, "blocked", []string{"nope.nothing", "search_tools"}, nil},
		{"unknown tool, dynamic name", `const r = await tools.units.convert({ value: 1, from: "km", to: "m" }); return await tools.call("nope." + r.to, {})`, "exception", []string{"not_found"}, nil},
		{"garbage", `return await tools.bad.garbage({})`, "exception", []string{"protocol", "non-JSON"}, nil},
		{"crash mid-call", `return await tools.bad.crash({})`, "exception", []string{"ToolError", "bad.crash"}, nil},
		{"call while reconnecting", `try { await tools.bad.echo({}) } catch (e) { return e.code }`, "", []string{`"unavailable"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "crash mid-call" {
				waitEcho(t, g)
			}
			out := g.Execute(context.Background(), ExecuteInput{Code: tt.code})
			txt := out.Text()
			switch {
			case tt.wantKind == "" && out.Error != nil:
				t.Fatalf("unexpected error: %s", txt)
			case tt.wantKind != "" && (out.Error == nil || out.Error.Kind != tt.wantKind):
				t.Fatalf("error = %+v, want kind %q\n%s", out.Error, tt.wantKind, txt)
			}
			for _, w := range tt.wantText {
				if !strings.Contains(txt, w) {
					t.Errorf("text lacks %q:\n%.2000s", w, txt)
				}
			}
			for _, f := range tt.wantFlags {
				found := false
				for _, fl := range out.Flags {
					found = found || fl.Kind == f
				}
				if !found {
					t.Errorf("flag %q missing: %+v", f, out.Flags)
				}
			}
			if len(txt) > 64<<10 {
				t.Errorf("model-visible text is %d bytes; output limit not applied", len(txt))
			}
			// The gateway stays up: the next run works.
			next := g.Execute(context.Background(), ExecuteInput{Code: `return (await tools.units.convert({value: 1, from: "km", to: "m"})).result`})
			if next.Error != nil || fmt.Sprint(string(next.Result.(json.RawMessage))) != "1000" {
				t.Fatalf("next run after %s: %s", tt.name, next.Text())
			}
		})
	}

	// The crashed server comes back.
	waitEcho(t, g)

	pids := childPids(t)
	g.Close()
	waitFor(t, 5*time.Second, "child processes to exit", func() bool { return len(alive(pids)) == 0 })
	waitFor(t, 5*time.Second, "goroutines to return to baseline", func() bool { return runtime.NumGoroutine() <= baseG+5 })
}

// waitEcho waits until the bad server answers again after a crash.
func waitEcho(t *testing.T, g *Gateway) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := g.Execute(context.Background(), ExecuteInput{Code: `return await tools.bad.echo({text: "back"})`})
		if out.Error == nil {
			if !strings.Contains(string(out.Result.(json.RawMessage)), "back") {
				t.Errorf("echo after reconnect = %s", out.Result)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bad server did not come back: %s", out.Text())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("timed out waiting for %s\n%s", what, buf[:n])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// childPids lists the processes whose parent is this test process.
func childPids(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	me := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(me) {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		t.Fatal("no child processes found while upstreams were running")
	}
	return pids
}

func alive(pids []int) []int {
	var out []int
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err == nil && !strings.Contains(string(b), ") Z ") {
			out = append(out, p)
		}
	}
	return out
}

func TestPassthrough(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"units": "passthrough"}}`, "units", "math"))
	cs := connect(t, g)
	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, tl := range lt.Tools {
		got[tl.Name] = true
	}
	if !got["units__convert"] || !got["execute_code"] || got["math__describe"] {
		t.Fatalf("served tools = %v; want units__* pass-through, code-mode tools, no math__*", got)
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "units__convert", Arguments: map[string]any{"value": 2, "from": "kg", "to": "g"}})
	if err != nil || res.IsError {
		t.Fatalf("pass-through call: %v %s", err, text(res))
	}
	b, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(b), `"result":2000`) {
		t.Errorf("pass-through result = %s", b)
	}
	// Invalid arguments come back as the upstream's tool error.
	res, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "units__convert", Arguments: map[string]any{"value": 2, "from": "kg", "to": "parsec"}})
	if err != nil || !res.IsError {
		t.Fatalf("want a tool error for an incompatible unit, got %v %+v", err, res)
	}
}

func TestHTTPGuards(t *testing.T) {
	cfg := testConfig(t, `{"sandbox": {"mode": "inprocess"}, "serve": {"token": "sesame"}}`, "units")
	g := newTestGateway(t, cfg)
	srv := httptest.NewServer(g.HTTPHandler())
	defer srv.Close()

	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`
	post := func(origin, token string) int {
		req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(init))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		origin, token string
		want          int
	}{
		{"", "", http.StatusUnauthorized},
		{"", "wrong", http.StatusUnauthorized},
		{"https://evil.example", "sesame", http.StatusForbidden},
		{"", "sesame", http.StatusOK},
		{"http://localhost:3000", "sesame", http.StatusOK},
	} {
		if got := post(tc.origin, tc.token); got != tc.want {
			t.Errorf("origin %q token %q: status %d, want %d", tc.origin, tc.token, got, tc.want)
		}
	}

	// A real SDK client over Streamable HTTP with the token runs a program.
	hc := &http.Client{Transport: bearer{"sesame"}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: srv.URL + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, m := callJSON(t, cs, "execute_code", map[string]any{"code": `return (await tools.units.convert({value: 3, from: "m", to: "cm"})).result`})
	if res.IsError || fmt.Sprint(m["result"]) != "300" {
		t.Fatalf("execute_code over HTTP: %s", text(res))
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestPassthroughListChanged: a change of an upstream's tools reaches the
// client of the pass-through tools as notifications/tools/list_changed.
func TestPassthroughListChanged(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "expose": {"bad": "passthrough"}}`, "bad"))
	ct, st := mcp.NewInMemoryTransports()
	ss, err := g.Server().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	changed := make(chan struct{}, 10)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	}).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "bad__rugpull", Arguments: map[string]any{"text": "poison"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no notifications/tools/list_changed reached the client")
	}
	// The new echo is not the one first listed (its poisoned description is
	// quarantined or changed; either way not the original).
	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range lt.Tools {
		if tl.Name == "bad__echo" && tl.Description == "Echo text back." {
			t.Errorf("bad__echo still has its first definition after the change")
		}
	}
}

// connectStdio returns an SDK client session on the gateway's stdio face
// (ServeStream, with the pass-through fast path) over a pair of OS pipes,
// as `cemcp serve` runs under a client.
func connectStdio(t testing.TB, g *Gateway) *mcp.ClientSession {
	t.Helper()
	return connectStdioWith(t, g, "", nil)
}

// TestReleaseWhenIdle: an idle gateway returns unused memory once per idle
// period, and activity starts a new period.
func TestReleaseWhenIdle(t *testing.T) {
	defer func(d time.Duration) { idleRelease = d }(idleRelease)
	idleRelease = 30 * time.Millisecond
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "units"))
	waitReleases := func(n int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for g.released.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d idle releases, want %d", g.released.Load(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitReleases(1)
	time.Sleep(150 * time.Millisecond)
	if n := g.released.Load(); n != 1 {
		t.Fatalf("%d releases in one idle period, want 1", n)
	}
	if out := g.Execute(context.Background(), ExecuteInput{Code: `return 1`}); out.Error != nil {
		t.Fatal(out.Text())
	}
	waitReleases(2)
}
