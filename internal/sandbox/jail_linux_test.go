package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runnerPath is the cemcp-runner that TestMain builds.
var runnerPath string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cemcp-jail-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The runner is exec'd as an unprivileged host uid: the path must be
	// traversable by others.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	runnerPath = filepath.Join(dir, "cemcp-runner")
	cmd := exec.Command("go", "build", "-o", runnerPath, "github.com/cemcp/cemcp/cmd/cemcp-runner")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cemcp-runner: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// requireJail skips (or, with CEMCP_REQUIRE_SANDBOX=1, fails) when the
// kernel lacks what the jail needs.
func requireJail(t testing.TB) {
	t.Helper()
	why := ""
	switch {
	case os.Geteuid() != 0:
		why = "the jail tests need root (uid mappings and cgroups)"
	default:
		if _, err := os.Stat("/proc/self/ns/user"); err != nil {
			why = "no user namespaces: " + err.Error()
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CEMCP_REQUIRE_SANDBOX") == "1" {
		t.Fatalf("CEMCP_REQUIRE_SANDBOX=1 but %s", why)
	}
	t.Skip(why)
}

func newTestJail(t testing.TB, cfg JailConfig) *Jail {
	t.Helper()
	requireJail(t)
	if cfg.RunnerPath == "" {
		cfg.RunnerPath = runnerPath
	}
	if cfg.PoolSize == 0 {
		cfg.PoolSize = -1
	}
	j, err := NewJail(cfg, nil)
	if err != nil {
		t.Fatalf("NewJail: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// echoCaller answers every call with {"tool": name, "args": args}.
var echoCaller = ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	return json.Marshal(map[string]any{"tool": tool, "args": args})
})

var testTools = []ToolRef{{Qualified: "echo.say", JSServer: "echo", JSName: "say"}}

func run(t testing.TB, j *Jail, lang Language, code string, lim Limits) *Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp, err := j.Execute(ctx, &Request{RunID: "t", Language: lang, Code: code, Tools: testTools, Limits: lim}, echoCaller)
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	return resp
}

func TestJailRunsJavaScript(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	resp := run(t, j, TypeScript, `
const r = await tools.echo.say({word: "hi"});
const n: number = 41;
console.log("said", r.args.word);
return {n: n + 1, tool: r.tool};`, Limits{})
	if resp.Error != nil {
		t.Fatalf("error: %+v", resp.Error)
	}
	if got, want := string(resp.Result), `{"n":42,"tool":"echo.say"}`; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
	if !strings.Contains(resp.Output, "said hi") || resp.ToolCalls != 1 {
		t.Errorf("output %q, calls %d", resp.Output, resp.ToolCalls)
	}
}

func TestJailRunsPython(t *testing.T) {
	j := newTestJail(t, JailConfig{})
	if j.python == "" {
		t.Skip(j.noPy)
	}
	resp := run(t, j, Python, `
import os
r = tools.echo.say({"word": "hi"})
print("said", r["args"]["word"], os.getuid(), os.getgid())
return {"n": 42, "tool": r["tool"]}`, Limits{})
	if resp.Error != nil {
		t.Fatalf("error: %+v", resp.Error)
	}
	if got, want := string(resp.Result), `{"n":42,"tool":"echo.say"}`; got != want {
		t.Errorf("result %s, want %s", got, want)
	}
	// The program runs as the unprivileged uid and gid of the jail.
	if want := "said hi 1000 1000"; !strings.Contains(resp.Output, want) || resp.ToolCalls != 1 {
		t.Errorf("output %q (want %q), calls %d", resp.Output, want, resp.ToolCalls)
	}
}
