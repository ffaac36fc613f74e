package static

import (
	"context"
	"os/exec"
	"path"
	"strings"
	"testing"
)

func requirePython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
}

func TestPythonTestdata(t *testing.T) {
	requirePython(t)
	for _, file := range []string{"testdata/py_benign.txtar", "testdata/py_deny.txtar"} {
		ar := readArchive(t, file)
		changed := false
		for _, f := range ar.files {
			if path.Ext(f.name) != ".py" {
				continue
			}
			base := strings.TrimSuffix(f.name, ".py")
			t.Run(base, func(t *testing.T) {
				rep, err := AnalyzePython(context.Background(), f.data, tools)
				if err != nil {
					t.Fatal(err)
				}
				ar.golden(t, base, rep.Findings, &changed)
			})
		}
		if changed {
			ar.write(t, file)
		}
	}
}

func TestPythonToolsAndDynamic(t *testing.T) {
	requirePython(t)
	ctx := context.Background()
	rep, err := AnalyzePython(ctx, "tools.weather.get_forecast({})\ntools.call('math.eval', {})\nx = tools.crm.exec", tools)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.Tools, ",") != "crm.exec,math.eval,weather.get_forecast" || rep.DynamicCalls || rep.Denied() {
		t.Errorf("report %+v", rep)
	}
	for _, code := range []string{"n = input_name\ntools.call(n, {})", "getattr(tools.weather, 'x' + y)({})", "t = tools\nt.weather.get_forecast({})"} {
		rep, err := AnalyzePython(ctx, code, tools)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.DynamicCalls {
			t.Errorf("%q: not dynamic: %+v", code, rep)
		}
	}
	rep, _ = AnalyzePython(ctx, "tools.weather.get_forcast({})", tools)
	if len(rep.Findings) != 1 || rep.Findings[0].Message != "line 1: tools.weather.get_forcast is not a known tool; did you mean tools.weather.get_forecast?" {
		t.Errorf("findings %+v", rep.Findings)
	}
}

func TestPythonMissingInterpreter(t *testing.T) {
	_, err := PythonAnalyzer{Python: "/nonexistent/python3"}.Analyze(context.Background(), "x = 1", tools)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("err = %v", err)
	}
}

func TestPythonTimeoutAndHugeInput(t *testing.T) {
	requirePython(t)
	// Deep nesting fails to parse cleanly, never hangs.
	rep, err := AnalyzePython(context.Background(), strings.Repeat("(", 5000)+strings.Repeat(")", 5000), tools)
	if err != nil {
		t.Logf("deep nesting: error %v", err)
	} else if !rep.Denied() {
		t.Errorf("deep nesting not denied: %+v", rep)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := AnalyzePython(ctx, "x = 1", tools); err == nil {
		t.Error("cancelled context: no error")
	}
}
