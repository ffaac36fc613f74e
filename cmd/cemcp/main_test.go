package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/cemcp/cemcp/internal/bench"
)

// With CEMCP_CLI_TEST_EXEC set, the test binary is the cemcp CLI (so a
// config can start `cemcp servers run NAME` as an upstream).
func TestMain(m *testing.M) {
	if os.Getenv("CEMCP_CLI_TEST_EXEC") == "1" {
		err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func cli(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exitError); ok {
		return ee.code
	}
	return 1
}

func writeConfig(t *testing.T, extra string) (cfg, db string) {
	t.Helper()
	exe, _ := os.Executable()
	dir := t.TempDir()
	db = filepath.Join(dir, "audit.db")
	cfg = filepath.Join(dir, "cemcp.json")
	src := fmt.Sprintf(`{"mcpServers": {"units": {"command": %q, "args": ["servers", "run", "units"], "env": {"CEMCP_CLI_TEST_EXEC": "1"}}},
  "cemcp": {"sandbox": {"mode": "inprocess"}, "audit": {"path": %q}%s}}`, exe, db, extra)
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

func TestRunToolsAndAudit(t *testing.T) {
	cfg, db := writeConfig(t, "")

	out, _, err := cli(t, `return (await tools.units.convert({value: 3, from: "km", to: "m"})).result`, "run", "--config", cfg, "-")
	if err != nil || !strings.Contains(out, "Result: 3000") {
		t.Fatalf("run: %v\n%s", err, out)
	}
	_, _, err = cli(t, `throw new Error("boom")`, "run", "--config", cfg, "-")
	if exitCode(err) != 1 {
		t.Errorf("a failed run exits %d, want 1", exitCode(err))
	}

	out, _, err = cli(t, "", "tools", "--config", cfg, "--search", "convert a value between units")
	if err != nil || !strings.HasPrefix(out, "units.convert") {
		t.Errorf("tools --search: %v\n%s", err, out)
	}
	out, _, err = cli(t, "", "tools", "--config", cfg, "--api", "units.convert")
	if err != nil || !strings.Contains(out, "convert(args: units.ConvertInput)") {
		t.Errorf("tools --api: %v\n%s", err, out)
	}

	out, _, err = cli(t, "", "audit", "list", "--config", cfg)
	if err != nil || strings.Count(out, "\n") != 3 || !strings.Contains(out, "exception") {
		t.Fatalf("audit list: %v\n%s", err, out)
	}
	id := strings.Fields(strings.Split(out, "\n")[2])[0] // the older run: the conversion
	out, _, err = cli(t, "", "audit", "show", "--db", db, id)
	if err != nil || !strings.Contains(out, "units.convert") || !strings.Contains(out, "default:read-only") {
		t.Errorf("audit show: %v\n%s", err, out)
	}
	out, _, err = cli(t, "", "audit", "verify", "--db", db)
	if err != nil || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}

	// Tamper with the ledger behind cemcp's back: verify must say so.
	sdb, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`DROP TRIGGER IF EXISTS records_no_update`); err != nil {
		t.Fatal(err)
	}
	var trig []string
	rows, _ := sdb.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	for rows.Next() {
		var n string
		rows.Scan(&n)
		trig = append(trig, n)
	}
	rows.Close()
	for _, n := range trig {
		if _, err := sdb.Exec(`DROP TRIGGER "` + n + `"`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sdb.Exec(`UPDATE records SET body = replace(body, 'units.convert', 'units.convert_batch') WHERE body LIKE '%units.convert%'`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	out, _, err = cli(t, "", "audit", "verify", "--db", db)
	if exitCode(err) != 1 || !strings.HasPrefix(out, "TAMPERED") {
		t.Errorf("verify after tampering: exit %d\n%s", exitCode(err), out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"run", "--config", "/nonexistent/cemcp.json", "-"}, "/nonexistent/cemcp.json"},
		{[]string{"run"}, "exactly one PROGRAM"},
		{[]string{"servers", "run", "nosuch"}, "the bundled servers are"},
	}
	for _, tt := range tests {
		_, _, err := cli(t, "", tt.args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: exit %d, err %v; want exit 2 mentioning %q", tt.args, exitCode(err), err, tt.want)
		}
	}
	cfg, _ := writeConfig(t, "")
	t.Setenv("CEMCP_TOKEN", "")
	if _, _, err := cli(t, "", "serve", "--config", cfg, "--http", "0.0.0.0:0"); exitCode(err) != 2 || !strings.Contains(err.Error(), "token") {
		t.Errorf("serve on an open address without a token: %v", err)
	}
	t.Setenv("CEMCP_CONFIG", "")
	_, _, err := cli(t, "", "serve")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "--config") {
		t.Errorf("serve without config: %v", err)
	}
}

// TestBenchLLMDriver drives `cemcp bench --driver llm` against a local
// server speaking the Chat Completions protocol (a fake provider: no model
// exists here). The fake answers at once without calling tools, so the run
// ends after one turn and the checker rejects the answer.
func TestBenchLLMDriver(t *testing.T) {
	var requests int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, "bad request path or key", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"1","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"{\"answer\": 0}"}}],"usage":{"prompt_tokens":10,"completion_tokens":3}}`)
	}))
	defer srv.Close()
	t.Setenv("OPENAI_API_KEY", "test-key")
	out, errOut, err := cli(t, "", "bench", "--driver", "llm", "--provider", "openai", "--base-url", srv.URL+"/v1", "--model", "m",
		"--tasks", bench.QuickTasks()[0].ID, "--agents", "code")
	if err != nil {
		t.Fatalf("bench --driver llm: %v\n%s\n%s", err, out, errOut)
	}
	if requests == 0 || !strings.Contains(out, bench.QuickTasks()[0].ID) || !strings.Contains(out, "false") {
		t.Errorf("requests %d, output:\n%s", requests, out)
	}
}
