package policy

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func boolp(b bool) *bool { return &b }

var (
	readOnly    = Annotations{Present: true, ReadOnly: true, OpenWorld: true}
	destructive = Annotations{Present: true, Destructive: true, OpenWorld: true}
	additive    = Annotations{Present: true, OpenWorld: true} // writes, not destructive
	none        = AnnotationsFrom(nil)
	fromWeb     = []Label{{Server: "web", Tool: "fetch", Trusted: false}}
	fromMail    = []Label{{Server: "mail", Tool: "read", Trusted: true}}
	fromDocs    = []Label{{Server: "docs", Tool: "read", Trusted: true}}
)

func TestAnnotationsFrom(t *testing.T) {
	tests := []struct {
		name string
		in   *mcp.ToolAnnotations
		want Annotations
	}{
		{"none", nil, Annotations{Destructive: true, OpenWorld: true}},
		{"empty", &mcp.ToolAnnotations{}, Annotations{Present: true, Destructive: true, OpenWorld: true}},
		{"read-only", &mcp.ToolAnnotations{ReadOnlyHint: true}, Annotations{Present: true, ReadOnly: true, OpenWorld: true}},
		{"additive closed", &mcp.ToolAnnotations{DestructiveHint: boolp(false), OpenWorldHint: boolp(false), IdempotentHint: true},
			Annotations{Present: true, Idempotent: true}},
		{"contradictory", &mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: boolp(true)},
			Annotations{Present: true, ReadOnly: true, Destructive: true, OpenWorld: true}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, AnnotationsFrom(tt.in)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func rules(rs ...config.Rule) config.Policy { return config.Policy{Rules: rs} }

func TestDecide(t *testing.T) {
	realistic := rules(
		config.Rule{Name: "no-deletes", When: `server == "files" && tool == "delete_file"`, Effect: Deny, Reason: "deleting files is not allowed"},
		config.Rule{Name: "mail-stays", When: `from("mail") && server != "mail"`, Effect: Deny, Reason: "mail data may not leave through another server"},
		config.Rule{Name: "web-to-world", When: `labels.exists(l, l.server == "web") && annotations.openWorld && !annotations.readOnly`, Effect: Approve},
		config.Rule{Name: "long-forecasts", When: `tool == "get_forecast" && has(args.days) && args.days > 7`, Effect: Deny, Reason: "at most 7 days"},
		config.Rule{Name: "weather-ok", When: `server == "weather"`, Effect: Allow},
		config.Rule{Name: "busy-run", When: `has(run.calls) && run.calls > 50 && !annotations.readOnly`, Effect: Approve},
		config.Rule{Name: "cursor-no-writes", When: `has(session.client) && session.client == "cursor" && annotations.destructive`, Effect: Deny},
		config.Rule{Name: "tainted-sink", When: `tainted() && tool == "transfer"`, Effect: Deny, Reason: "no transfers from untrusted data"},
	)
	tests := []struct {
		name   string
		policy config.Policy
		in     Input
		want   Decision
		reason string // substring of the reason, when want.Reason is ""
	}{
		// Defaults.
		{"read-only on untrusted", config.Policy{}, Input{Server: "web", Tool: "fetch", Annotations: readOnly},
			Decision{Effect: Allow, Rule: DefaultReadOnly}, ""},
		{"read-only with untrusted data", config.Policy{}, Input{Server: "docs", Tool: "search", Annotations: readOnly, Trusted: true, Labels: fromWeb},
			Decision{Effect: Allow, Rule: DefaultReadOnly}, ""},
		{"no annotations on untrusted", config.Policy{}, Input{Server: "web", Tool: "post", Annotations: none},
			Decision{Effect: Approve, Rule: DefaultUntrustedServer}, "has no annotations"},
		{"destructive on untrusted", config.Policy{}, Input{Server: "web", Tool: "drop", Annotations: destructive},
			Decision{Effect: Approve, Rule: DefaultUntrustedServer}, "is annotated destructive and server \"web\" is not trusted"},
		{"not read-only on untrusted", config.Policy{}, Input{Server: "web", Tool: "add", Annotations: additive},
			Decision{Effect: Approve, Rule: DefaultUntrustedServer}, "is not annotated read-only"},
		{"contradictory annotations on untrusted", config.Policy{}, Input{Server: "web", Tool: "x", Annotations: AnnotationsFrom(&mcp.ToolAnnotations{ReadOnlyHint: true, DestructiveHint: boolp(true)})},
			Decision{Effect: Approve, Rule: DefaultUntrustedServer}, ""},
		{"destructive on trusted", config.Policy{}, Input{Server: "docs", Tool: "delete", Annotations: destructive, Trusted: true},
			Decision{Effect: Allow, Rule: DefaultTrusted}, ""},
		{"destructive on trusted with trusted data", config.Policy{}, Input{Server: "docs", Tool: "delete", Annotations: destructive, Trusted: true, Labels: fromMail},
			Decision{Effect: Allow, Rule: DefaultTrusted}, ""},
		{"execution sink: untrusted data to a destructive trusted tool", config.Policy{},
			Input{Server: "bank", Tool: "transfer", Annotations: destructive, Trusted: true, Labels: append(append([]Label{}, fromMail...), fromWeb...)},
			Decision{Effect: Approve, Rule: DefaultUntrustedData}, "carry data from untrusted web.fetch"},
		{"execution sink: untrusted data to an additive trusted tool", config.Policy{},
			Input{Server: "mail", Tool: "send", Annotations: additive, Trusted: true, Labels: fromWeb},
			Decision{Effect: Approve, Rule: DefaultUntrustedData}, ""},

		// Rules.
		{"deny by name", realistic, Input{Server: "files", Tool: "delete_file", Trusted: true, Annotations: destructive},
			Decision{Effect: Deny, Rule: "no-deletes", Reason: "deleting files is not allowed"}, ""},
		{"data from mail may not leave through another server", realistic,
			Input{Server: "web", Tool: "post", Annotations: additive, Labels: append(append([]Label{}, fromDocs...), fromMail...)},
			Decision{Effect: Deny, Rule: "mail-stays", Reason: "mail data may not leave through another server"}, ""},
		{"mail data back to mail falls through to defaults", realistic,
			Input{Server: "mail", Tool: "send", Annotations: additive, Trusted: true, Labels: fromMail},
			Decision{Effect: Allow, Rule: DefaultTrusted}, ""},
		{"approve on labels", realistic, Input{Server: "docs", Tool: "write", Annotations: additive, Trusted: true, Labels: fromWeb},
			Decision{Effect: Approve, Rule: "web-to-world"}, ""},
		{"args number compare (double vs int)", realistic, Input{Server: "weather", Tool: "get_forecast", Args: map[string]any{"city": "Oslo", "days": 14.0}, Annotations: readOnly},
			Decision{Effect: Deny, Rule: "long-forecasts", Reason: "at most 7 days"}, ""},
		{"args guarded with has", realistic, Input{Server: "weather", Tool: "get_forecast", Args: map[string]any{"city": "Oslo"}, Annotations: none},
			Decision{Effect: Allow, Rule: "weather-ok"}, ""},
		{"nil args", realistic, Input{Server: "weather", Tool: "get_forecast", Annotations: none},
			Decision{Effect: Allow, Rule: "weather-ok"}, ""},
		{"run variable", realistic, Input{Server: "docs", Tool: "write", Annotations: additive, Trusted: true, Run: map[string]any{"calls": 51}},
			Decision{Effect: Approve, Rule: "busy-run"}, ""},
		{"session variable", realistic, Input{Server: "docs", Tool: "rm", Annotations: destructive, Trusted: true, Session: map[string]any{"client": "cursor"}, Run: map[string]any{"calls": 1}},
			Decision{Effect: Deny, Rule: "cursor-no-writes"}, ""},
		{"tainted macro", realistic, Input{Server: "bank", Tool: "transfer", Annotations: additive, Trusted: true,
			Labels: []Label{{Server: "forum", Tool: "read"}}, Run: map[string]any{"calls": 1}, Session: map[string]any{"client": "x"}},
			Decision{Effect: Deny, Rule: "tainted-sink", Reason: "no transfers from untrusted data"}, ""},
		{"first matching rule wins", rules(
			config.Rule{Name: "a", When: "true", Effect: Approve},
			config.Rule{Name: "b", When: "true", Effect: Deny}),
			Input{Server: "s", Tool: "t"}, Decision{Effect: Approve, Rule: "a"}, ""},
		{"unnamed rule gets its position", rules(
			config.Rule{Name: "a", When: "false", Effect: Approve},
			config.Rule{When: `tool == "t"`, Effect: Deny}),
			Input{Server: "s", Tool: "t"}, Decision{Effect: Deny, Rule: "rule2"}, ""},
		{"allow rule overrides the untrusted default", rules(config.Rule{Name: "weather-ok", When: `server == "weather"`, Effect: Allow}),
			Input{Server: "weather", Tool: "set_alert", Annotations: destructive}, Decision{Effect: Allow, Rule: "weather-ok"}, ""},
		{"annotations present", rules(config.Rule{Name: "unannotated", When: `!annotations.present`, Effect: Deny}),
			Input{Server: "s", Tool: "t", Annotations: none}, Decision{Effect: Deny, Rule: "unannotated"}, ""},

		// Evaluation errors fail closed.
		{"missing key denies", rules(config.Rule{Name: "city", When: `args.city == "Paris"`, Effect: Allow}),
			Input{Server: "weather", Tool: "get", Args: map[string]any{}, Annotations: readOnly},
			Decision{Effect: Deny, Rule: "city"}, "no such key: city"},
		{"non-bool result denies", rules(config.Rule{Name: "flag", When: `args.flag`, Effect: Allow}),
			Input{Server: "s", Tool: "t", Args: map[string]any{"flag": "yes"}, Annotations: readOnly},
			Decision{Effect: Deny, Rule: "flag"}, "not bool"},
		{"wrong type denies", rules(config.Rule{Name: "days", When: `args.days > 7`, Effect: Deny}),
			Input{Server: "s", Tool: "t", Args: map[string]any{"days": "many"}, Annotations: readOnly},
			Decision{Effect: Deny, Rule: "days"}, "could not be evaluated"},
		{"cost limit denies", rules(config.Rule{Name: "quadratic", When: `args.items.all(x, args.items.all(y, x == y || true))`, Effect: Allow}),
			Input{Server: "s", Tool: "t", Args: map[string]any{"items": manyItems(2000)}, Annotations: readOnly},
			Decision{Effect: Deny, Rule: "quadratic"}, "cost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.policy, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := p.Decide(tt.in)
			if tt.reason != "" {
				if !strings.Contains(got.Reason, tt.reason) {
					t.Errorf("reason %q does not contain %q", got.Reason, tt.reason)
				}
				got.Reason = ""
			} else if tt.want.Reason == "" {
				got.Reason = "" // the defaults' reasons are checked where they matter
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide (-want +got):\n%s", diff)
			}
		})
	}
}

func manyItems(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = float64(i)
	}
	return out
}

// TestCompileErrors checks that a bad rule is refused with its position,
// name, the CEL error and a fix. The messages are in
// testdata/compile_errors.golden (go test -update rewrites it).
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		rule config.Rule
		want []string
	}{
		{"syntax", config.Rule{Name: "bad", When: `server ==`, Effect: Deny}, []string{`policy rule 2 ("bad")`, "does not compile", "Syntax error", "fix:"}},
		{"undeclared", config.Rule{Name: "undeclared", When: `servr == "x"`, Effect: Deny}, []string{"undeclared reference to 'servr'", "fix: the variables are"}},
		{"docs style tool.annotations", config.Rule{Name: "no-deletes", When: `tool.annotations.destructiveHint`, Effect: Deny}, []string{"fix: tool and server are strings"}},
		{"not bool", config.Rule{Name: "str", When: `server`, Effect: Deny}, []string{"gives string, not bool", "fix:"}},
		{"wrong overload", config.Rule{Name: "ov", When: `trusted > 1`, Effect: Deny}, []string{"no matching overload", "fix:"}},
		{"bad effect", config.Rule{Name: "eff", When: `true`, Effect: "block"}, []string{`effect "block" is not allowed`, `"allow", "deny" or "approve"`}},
		{"empty when", config.Rule{Name: "empty", When: ` `, Effect: Deny}, []string{"when is empty", "\"true\""}},
		{"unnamed", config.Rule{When: `)`, Effect: Deny}, []string{`policy rule 2 ("rule2")`}},
	}
	var golden bytes.Buffer
	for _, tt := range tests {
		_, err := New(rules(config.Rule{Name: "ok", When: "true", Effect: Allow}, tt.rule), Options{})
		if err == nil {
			t.Errorf("%s: New succeeded, want an error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tt.name, err, w)
			}
		}
		fmt.Fprintf(&golden, "%s:\n%s\n\n", tt.name, err)
	}
	checkGolden(t, "compile_errors.golden", golden.Bytes())
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func FuzzPolicy(f *testing.F) {
	for _, s := range []string{`true`, `from("mail") && server != "mail"`, `args.a.b[0] > 3`, `tainted()`, `labels.all(l, l.trusted)`, `size(args) > 2`, `run.calls / 0 == 1`} {
		f.Add(s, `{"a":{"b":[1,2]}}`)
	}
	f.Fuzz(func(t *testing.T, when, args string) {
		p, err := New(rules(config.Rule{Name: "f", When: when, Effect: Allow}), Options{})
		if err != nil {
			return
		}
		d := p.Decide(Input{Server: "s", Tool: "t", Args: map[string]any{"a": map[string]any{"b": []any{1.0, args}}},
			Labels: fromWeb, Run: map[string]any{"calls": 1.0}})
		switch d.Effect {
		case Allow, Deny, Approve:
		default:
			t.Fatalf("effect %q", d.Effect)
		}
	})
}
