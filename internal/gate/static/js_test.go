package static

import (
	"flag"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/internal/transpile"
)

var update = flag.Bool("update", false, "rewrite the .want sections of testdata")

// fixture is a resolver over a fixed set of tools.
type fixture struct{ names []ToolName }

var tools = fixture{[]ToolName{
	{"weather.get_forecast", "weather", "get_forecast"},
	{"weather.get_alerts", "weather", "get_alerts"},
	{"math.evaluate", "math", "evaluate"},
	{"math.eval", "math", "eval_"},
	{"crm.exec", "crm", "exec"},
	{"mail.send_email", "mail", "send_email"},
	{"files.read_file", "files", "read_file"},
	{"db.query", "db", "query"},
}}

var (
	_ Resolver = fixture{}
	_ Lister   = fixture{}
)

func (f fixture) ResolveJS(s, t string) (string, bool) {
	for _, n := range f.names {
		if n.JSServer == s && n.JSName == t {
			return n.Qualified, true
		}
	}
	return "", false
}

func (f fixture) Exists(q string) bool {
	for _, n := range f.names {
		if n.Qualified == q {
			return true
		}
	}
	return false
}

func (f fixture) ToolNames() []ToolName { return f.names }

func lang(name string) string {
	if path.Ext(name) == ".js" {
		return transpile.JavaScript
	}
	return transpile.TypeScript
}

func analyzeProgram(t testing.TB, name, code string) Report {
	t.Helper()
	js, rerr := transpile.Program(code, lang(name))
	if rerr != nil {
		t.Fatalf("%s: transpile: %v", name, rerr)
	}
	return AnalyzeJS(js, tools)
}

func formatFindings(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		kind := "flag"
		if f.Deny {
			kind = "deny"
		}
		fmt.Fprintf(&b, "%s %s %d\n", kind, f.Rule, f.Line)
	}
	return b.String()
}

// TestJSTestdata runs every program of the archives against its .want
// section (a missing section means: no findings).
func TestJSTestdata(t *testing.T) {
	for _, file := range []string{"testdata/js_benign.txtar", "testdata/js_deny.txtar"} {
		ar := readArchive(t, file)
		changed := false
		n := 0
		for _, f := range ar.files {
			ext := path.Ext(f.name)
			if ext != ".ts" && ext != ".js" {
				continue
			}
			n++
			base := strings.TrimSuffix(f.name, ext)
			t.Run(base, func(t *testing.T) {
				rep := analyzeProgram(t, f.name, f.data)
				if ar.golden(t, base, rep.Findings, &changed) {
					return
				}
				for _, f := range rep.Findings {
					if f.Line < 1 || !strings.HasPrefix(f.Message, fmt.Sprintf("line %d: ", f.Line)) {
						t.Errorf("finding without a user line: %+v", f)
					}
				}
			})
		}
		if strings.Contains(file, "benign") && n < 25 {
			t.Errorf("%s: %d benign programs; want at least 25", file, n)
		}
		if changed {
			ar.write(t, file)
		}
	}
}

func TestJSToolsAndDynamic(t *testing.T) {
	tests := []struct {
		name, code string
		tools      []string
		dynamic    bool
	}{
		{"static", `await tools.weather.get_forecast({city: "x"}); await tools.call("db.query", {}); await tools.math.eval_({})`, []string{"db.query", "math.eval", "weather.get_forecast"}, false},
		{"js form in call", `await tools.call("weather.get_alerts", {}); await tools.call("math.eval", {})`, []string{"math.eval", "weather.get_alerts"}, false},
		{"dynamic name", `const n = String(Date.now()); await tools.call(n, {})`, nil, true},
		{"computed server", `const s = ["weather"][0]; await tools[s].get_forecast({})`, nil, true},
		{"computed tool", `const t = [""][0]; await tools.weather[t]({})`, nil, true},
		{"alias", `const w = tools.weather; await w.get_alerts({})`, []string{"weather.get_alerts"}, false},
		{"destructure", `const { weather } = tools; const { get_forecast } = weather; await get_forecast({})`, []string{"weather.get_forecast"}, false},
		{"passed", `const f = (t: any) => t.weather.get_forecast({}); await f(tools)`, nil, true},
		{"optional", `await tools.weather?.get_alerts?.({})`, []string{"weather.get_alerts"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := analyzeProgram(t, "x.ts", tt.code)
			if strings.Join(rep.Tools, ",") != strings.Join(tt.tools, ",") || rep.DynamicCalls != tt.dynamic {
				t.Errorf("tools %v dynamic %v, want %v %v; findings %+v", rep.Tools, rep.DynamicCalls, tt.tools, tt.dynamic, rep.Findings)
			}
			if rep.Denied() {
				t.Errorf("denied: %+v", rep.Findings)
			}
		})
	}
}

func TestJSMessages(t *testing.T) {
	rep := analyzeProgram(t, "x.ts", "const a = 1;\n\n  const b = await tools.weather.get_forcast({city: 'x'});\nconst c = eval('1');")
	want := []string{
		"line 3: tools.weather.get_forcast is not a known tool; did you mean tools.weather.get_forecast?",
		"line 4: eval is not allowed; call the tool directly: await tools.<server>.<tool>({...})",
	}
	if len(rep.Findings) != 2 {
		t.Fatalf("findings %+v", rep.Findings)
	}
	for i, w := range want {
		if rep.Findings[i].Message != w {
			t.Errorf("message %q, want %q", rep.Findings[i].Message, w)
		}
	}
	if rep.Findings[0].Col != 19 {
		t.Errorf("col %d, want 19", rep.Findings[0].Col)
	}
}

func TestJSNilResolverAndParseError(t *testing.T) {
	rep := AnalyzeJS(`tools.a.b({}); tools.call("c.d", 1)`, nil)
	if strings.Join(rep.Tools, ",") != "a.b,c.d" || len(rep.Findings) != 0 {
		t.Errorf("nil resolver: %+v", rep)
	}
	rep = AnalyzeJS(`let = = ;`, tools)
	if !rep.Denied() || rep.Findings[0].Rule != "parse" {
		t.Errorf("parse error: %+v", rep)
	}
	rep = AnalyzeJS("import fs from 'fs';\nfs.x()", tools)
	if !rep.Denied() || rep.Findings[0].Rule != "import" {
		t.Errorf("static import: %+v", rep)
	}
	rep = AnalyzeJS("x()\n//# sourceMappingURL=/etc/passwd", tools)
	if rep.Denied() {
		t.Errorf("file source map: %+v", rep)
	}
}

func FuzzAnalyzeJS(f *testing.F) {
	for _, s := range []string{"eval(1)", "tools.a.b()", "x.constructor.constructor", "import('x')", "with(a){}", "[][`a`]", "atob(atob(x))[y]", "globalThis[atob('x')]()", "({constructor:F}=()=>1)"} {
		f.Add(s)
	}
	ar := readArchive(f, "testdata/js_deny.txtar")
	for _, file := range ar.files {
		if strings.HasSuffix(file.name, ".ts") || strings.HasSuffix(file.name, ".js") {
			f.Add(file.data)
		}
	}
	f.Fuzz(func(t *testing.T, code string) {
		AnalyzeJS(code, tools)
		if js, err := transpile.Program(code, transpile.JavaScript); err == nil {
			AnalyzeJS(js, tools)
		}
	})
}
