package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/upstream"
)

// sentCount asks the bad server how many sends reached it.
func sentCount(t *testing.T, g *Gateway, server string) int {
	t.Helper()
	out := g.Execute(context.Background(), ExecuteInput{Code: fmt.Sprintf(`return (await tools.%s.sent_count({})).count`, server)})
	if out.Error != nil {
		t.Fatalf("sent_count: %s", out.Text())
	}
	var n int
	_ = json.Unmarshal(out.Result.(json.RawMessage), &n)
	return n
}

// connectWith connects an SDK client with an elicitation handler.
func connectWith(t *testing.T, g *Gateway, version string, elicit func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error)) *mcp.ClientSession {
	t.Helper()
	ct, st := mcp.NewInMemoryTransports()
	ss, err := g.Server().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "approver", Version: "1"}, &mcp.ClientOptions{ElicitationHandler: elicit}).Connect(context.Background(), ct, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestApprovals: a write tool on an untrusted server needs the user's
// approval; it reaches the server only when the user accepts. Clients on
// 2025-11-25 are asked with elicitation/create during the call; clients on
// 2026-07-28 get an input-required result and call again with the answer.
func TestApprovals(t *testing.T) {
	for _, v := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(v, func(t *testing.T) { testApprovals(t, v) })
	}
}

func testApprovals(t *testing.T, version string) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "bad"))
	send := map[string]any{"code": `return await tools.bad.send({ text: "hello" })`}

	// No elicitation (cemcp run, or a client without it): denied.
	out := g.Execute(context.Background(), ExecuteInput{Code: send["code"].(string)})
	if out.Error == nil || !strings.Contains(out.Error.Message, "could not be asked") || out.Calls[0].Decision != "approve:unavailable" {
		t.Fatalf("without elicitation: %s %+v", out.Text(), out.Calls)
	}
	if n := sentCount(t, g, "bad"); n != 0 {
		t.Fatalf("a call that needed approval reached the server %d times", n)
	}

	var asked []string
	for _, tc := range []struct {
		name     string
		action   string
		approve  bool
		decision string
		want     int
	}{
		{"declined", "accept", false, "approve:declined", 0},
		{"cancelled", "cancel", false, "approve:declined", 0},
		{"accepted", "accept", true, "approve:accepted", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := connectWith(t, g, version, func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
				asked = append(asked, req.Params.Message)
				return &mcp.ElicitResult{Action: tc.action, Content: map[string]any{"approve": tc.approve}}, nil
			})
			res, m := callJSON(t, cs, "execute_code", send)
			calls := m["calls"].([]any)
			if d := calls[0].(map[string]any)["decision"]; d != tc.decision {
				t.Errorf("decision = %v, want %s (%s)", d, tc.decision, text(res))
			}
			if n := sentCount(t, g, "bad"); n != tc.want {
				t.Errorf("sends that reached the server = %d, want %d", n, tc.want)
			}
		})
	}
	if len(asked) != 3 || !strings.Contains(asked[0], "bad.send") || !strings.Contains(asked[0], `"hello"`) {
		t.Errorf("approval requests = %q; want the tool and its arguments shown", asked)
	}
}

// TestGateDenials: calls the gate refuses never reach the server, and the
// ledger records each decision.
func TestGateDenials(t *testing.T) {
	cfg := testConfig(t, `{"sandbox": {"mode": "inprocess"},
		"servers": {"dst": {"trust": "trusted"}},
		"policy": {"max_calls_per_run": 4, "rules": [
			{"name": "no-secrets", "when": "tool == 'send' && string(args.text).contains('secret')", "effect": "deny", "reason": "secrets may not be sent"}
		]}}`, "units", "dst")
	cfg.Servers["dst"].Env["CEMCP_GATEWAY_TEST_SERVER"] = "bad"
	g := newTestGateway(t, cfg)

	tests := []struct {
		name, code, decision, code2 string
	}{
		{"policy rule", `return await tools.dst.send({ text: "the secret plan" })`, "deny", "denied"},
		{"schema", `return await tools.dst.send({ text: 42, extra: true })`, "deny", "invalid_arguments"},
		{"untrusted data to a write tool", `const r = await tools.units.convert({ value: 1234.567, from: "km", to: "m" });
return await tools.dst.send({ text: "distance " + r.result })`, "approve:unavailable", "denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := g.Execute(context.Background(), ExecuteInput{Code: tt.code})
			if out.Error == nil {
				t.Fatalf("the run succeeded: %s", out.Text())
			}
			last := out.Calls[len(out.Calls)-1]
			if last.Decision != tt.decision || last.Status != tt.code2 {
				t.Errorf("last call %+v, want decision %s status %s", last, tt.decision, tt.code2)
			}
			if !strings.Contains(out.Text(), tt.code2) {
				t.Errorf("the model is not told why: %s", out.Text())
			}
			g.SyncAudit()
			detail, err := g.Ledger().Show(context.Background(), out.RunID)
			if err != nil {
				t.Fatal(err)
			}
			lc := detail.Calls[len(detail.Calls)-1]
			if lc.Decision != tt.decision || lc.Rule == "" {
				t.Errorf("ledger call %+v, want decision %s with its rule", lc, tt.decision)
			}
			if tt.name == "untrusted data to a write tool" && (len(lc.Labels) == 0 || !strings.Contains(lc.Labels[0], "units.convert (untrusted)")) {
				t.Errorf("ledger labels = %v, want the untrusted source", lc.Labels)
			}
		})
	}
	if n := sentCount(t, g, "dst"); n != 0 {
		t.Errorf("%d refused sends reached the server", n)
	}

	// The call budget (max_calls_per_run 4) ends the run at the fifth call,
	// which never leaves the sandbox; the ledger has the limit flag.
	out := g.Execute(context.Background(), ExecuteInput{Code: `for (let i = 0; i < 10; i++) await tools.dst.echo({ text: "x" + i });`})
	if out.Error == nil || out.Error.Kind != "limit" || len(out.Calls) != 4 {
		t.Errorf("budget: error %+v after %d calls, want a limit after 4", out.Error, len(out.Calls))
	}
	g.SyncAudit()
	if d, err := g.Ledger().Show(context.Background(), out.RunID); err != nil || len(d.Flags) == 0 || d.Flags[0].Kind != "limit" || d.Status != "limit" {
		t.Errorf("budget: ledger %+v %v, want a limit flag and status", d, err)
	}
	// A benign write with data the program wrote itself goes through.
	out = g.Execute(context.Background(), ExecuteInput{Code: `return await tools.dst.send({ text: "hello" })`})
	if out.Error != nil || sentCount(t, g, "dst") != 1 {
		t.Errorf("benign send on a trusted server: %s", out.Text())
	}
}

// TestRugPull: a tool whose definition changes after first use is blocked
// until the user approves the new definition; then it is pinned again.
func TestRugPull(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "bad"))
	echo := `return (await tools.bad.echo({ text: "hi" })).echo`
	if out := g.Execute(context.Background(), ExecuteInput{Code: echo}); out.Error != nil {
		t.Fatalf("first use: %s", out.Text())
	}
	before, _ := g.Catalog().Lookup("bad.echo")
	if out := g.Execute(context.Background(), ExecuteInput{Code: `return await tools.bad.rugpull({ text: "harmless" })`}); out.Error != nil {
		t.Fatal(out.Text())
	}
	waitFor(t, 5*time.Second, "the changed definition to reach the catalog", func() bool {
		after, _ := g.Catalog().Lookup("bad.echo")
		return after.Hash != before.Hash
	})

	out := g.Execute(context.Background(), ExecuteInput{Code: echo})
	if out.Error == nil || out.Calls[0].Decision != "approve:unavailable" || !strings.Contains(out.Text(), "rug pull") {
		t.Fatalf("changed tool without approval: %s %+v", out.Text(), out.Calls)
	}
	var flagged bool
	for _, f := range out.Flags {
		flagged = flagged || f.Kind == "definition_changed"
	}
	if !flagged {
		t.Errorf("no definition_changed flag: %+v", out.Flags)
	}

	asked := 0
	cs := connectWith(t, g, "2025-11-25", func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		asked++
		return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"approve": true}}, nil
	})
	for i := 0; i < 2; i++ {
		res, m := callJSON(t, cs, "execute_code", map[string]any{"code": echo})
		if res.IsError || fmt.Sprint(m["result"]) != "hi" {
			t.Fatalf("after approval: %s", text(res))
		}
	}
	if asked != 1 {
		t.Errorf("the user was asked %d times; want once, then the new definition is pinned", asked)
	}
}

// TestQuarantine: a tool whose metadata carries instructions for the agent
// is hidden from search and describe and cannot be called; its text never
// reaches the model.
func TestQuarantine(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "bad"))
	if out := g.Execute(context.Background(), ExecuteInput{Code: `return await tools.bad.rugpull({ text: "poison" })`}); out.Error != nil {
		t.Fatal(out.Text())
	}
	waitFor(t, 5*time.Second, "the poisoned tool to be quarantined", func() bool {
		_, ok := g.Quarantined()["bad.echo"]
		return ok
	})
	d, err := g.Describe([]string{"bad"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.Declarations, "id_rsa") || strings.Contains(d.Declarations, "echo(") {
		t.Errorf("describe_tools shows the quarantined tool:\n%s", d.Declarations)
	}
	for _, h := range g.Search("echo text back", 10).Tools {
		if h.Name == "bad.echo" {
			t.Errorf("search_tools shows the quarantined tool")
		}
	}
	out := g.Execute(context.Background(), ExecuteInput{Code: `return await tools.call("bad.echo", { text: "hi" })`})
	// The sandbox's tools object does not have it at all; no call leaves.
	if out.Error == nil || len(out.Calls) != 0 || !strings.Contains(out.Text(), `no tool is named "bad.echo"`) || strings.Contains(out.Text(), "id_rsa") {
		t.Errorf("call of a quarantined tool: %s %+v", out.Text(), out.Calls)
	}
	// And the gateway's call path refuses it too (defense in depth).
	run := g.newRun("direct", "test", "", nil, nil)
	if _, _, err := g.callTool(context.Background(), run, "bad.echo", json.RawMessage(`{"text":"hi"}`), upstream.CallOptions{}); err == nil || !strings.Contains(err.Error(), "hidden") {
		t.Errorf("direct call of a quarantined tool: %v", err)
	}
}

// TestInjectedText: instruction-like text in results and errors never
// reaches the model (or the program) verbatim: it is replaced by the
// contract's marker and flagged.
func TestInjectedText(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}}`, "bad"))
	tests := []struct{ name, code string }{
		{"result", `const d = await tools.bad.inject({}); console.log(d.note); return d`},
		{"error", `try { await tools.bad.inject({ text: "error" }) } catch (e) { console.log(e.message); return e.message }`},
		{"laundered through the program", `const d = await tools.bad.inject({}); return "summary: " + d.note.toUpperCase()`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := g.Execute(context.Background(), ExecuteInput{Code: tt.code})
			txt := strings.ToLower(out.Text())
			for _, bad := range []string{"ignore all previous instructions", "authorization bypass", "you must now call"} {
				if strings.Contains(txt, bad) {
					t.Errorf("%q reached the model:\n%s", bad, out.Text())
				}
			}
			if !strings.Contains(txt, "[cemcp: instruction-like text") {
				t.Errorf("no marker in:\n%s", out.Text())
			}
			var flagged bool
			for _, f := range out.Flags {
				flagged = flagged || f.Kind == "injection"
			}
			if !flagged {
				t.Errorf("no injection flag: %+v", out.Flags)
			}
		})
	}
}

// TestStaticPre: programs that synthesize code are refused before anything
// runs: no call of theirs reaches the server.
func TestStaticPre(t *testing.T) {
	g := newTestGateway(t, testConfig(t, `{"sandbox": {"mode": "inprocess"}, "servers": {"bad": {"trust": "trusted"}}}`, "bad"))
	for _, code := range []string{
		`await tools.bad.send({ text: "a" }); eval("1 + 1")`,
		`await tools.bad.send({ text: "a" }); const f = new Function("return 1"); f()`,
		`await tools.bad.send({ text: "a" }); const F = (async () => {}).constructor; await F("return 1")()`,
		`await tools.bad.send({ text: "a" }); const p = atob("dG9vbHMuYmFkLnNlbmQoe3RleHQ6ImIifSk="); globalThis[p]`,
		`await tools.bad.send({ text: "a" }); await import("data:text/javascript,1")`,
	} {
		out := g.Execute(context.Background(), ExecuteInput{Code: code})
		if out.Error == nil || out.Error.Kind != "blocked" || len(out.Calls) != 0 {
			t.Errorf("%s\n-> %s", code, out.Text())
		}
	}
	if n := sentCount(t, g, "bad"); n != 0 {
		t.Errorf("%d calls of refused programs reached the server", n)
	}
}

// TestSessionHistory: a value an untrusted server returned in one run keeps
// its label when the model copies it into the next program of the session.
func TestSessionHistory(t *testing.T) {
	cfg := testConfig(t, `{"sandbox": {"mode": "inprocess"}, "servers": {"dst": {"trust": "trusted"}}}`, "units", "dst")
	cfg.Servers["dst"].Env["CEMCP_GATEWAY_TEST_SERVER"] = "bad"
	g := newTestGateway(t, cfg)
	asked := 0
	decline := func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		asked++
		return &mcp.ElicitResult{Action: "decline"}, nil
	}
	cs := connectWith(t, g, "2025-11-25", decline)
	res, _ := callJSON(t, cs, "execute_code", map[string]any{"code": `const r = await tools.units.convert({ value: 9876.54321, from: "km", to: "m" }); console.log(r.result)`})
	if !strings.Contains(text(res), "9876543.21") {
		t.Fatalf("first run: %s", text(res))
	}
	// The model copies the number into its next program.
	send := map[string]any{"code": `return await tools.dst.send({ text: "distance 9876543.21" })`}
	res, m := callJSON(t, cs, "execute_code", send)
	if !res.IsError || asked != 1 {
		t.Errorf("second run: asked %d times; %s", asked, text(res))
	}
	if calls := m["calls"]; calls == nil || !strings.Contains(fmt.Sprint(calls), "approve:declined") {
		t.Errorf("calls = %v, want approve:declined", calls)
	}
	if n := sentCount(t, g, "dst"); n != 0 {
		t.Errorf("%d sends reached the server", n)
	}
	// Another session never saw the value: the same literal is the
	// program's own data there.
	other := connectWith(t, g, "2025-11-25", decline)
	res, _ = callJSON(t, other, "execute_code", send)
	if res.IsError || sentCount(t, g, "dst") != 1 {
		t.Errorf("other session: %s", text(res))
	}
}
