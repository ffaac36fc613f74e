package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cemcp/cemcp/internal/editdist"
)

func parse(t *testing.T, src string, env map[string]string) (*Config, error) {
	t.Helper()
	if env == nil {
		env = testEnv
	}
	return Parse([]byte(src), "config.json", lookupIn(env))
}

// TestRules checks one rule per case: which key an error names and what
// its message and fix say.
func TestRules(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		key     string // Key of the first error
		msg     string // substring of its Msg
		fix     string // substring of its Fix
		line    int
		col     int
		nErrors int // 0: do not check
	}{
		{"arg number", `{"mcpServers": {"weather": {"command": "w", "args": ["a", 3]}}}`,
			"mcpServers.weather.args[1]", "expected a string, got number", `write it in quotes: "3"`, 1, 59, 1},
		{"command and url", `{"mcpServers": {"a": {"command": "x", "url": "http://h/mcp"}}}`,
			"mcpServers.a.url", `both "command" and "url"`, "", 1, 0, 1},
		{"neither", `{"mcpServers": {"a": {"env": {}}}}`,
			"mcpServers.a", `no "command" or "url"`, `add "command"`, 1, 22, 1},
		{"stdio needs command", `{"mcpServers": {"a": {"type": "stdio", "url": "http://h/mcp"}}}`,
			"mcpServers.a.type", `type "stdio" needs "command"`, "", 1, 0, 1},
		{"sse needs url", `{"mcpServers": {"a": {"type": "sse", "command": "x"}}}`,
			"mcpServers.a.type", `type "sse" needs "url"`, "", 1, 0, 1},
		{"url scheme", `{"mcpServers": {"a": {"url": "file:///etc/passwd"}}}`,
			"mcpServers.a.url", "must start with http:// or https://", "", 1, 0, 1},
		{"unparseable url", `{"mcpServers": {"a": {"url": "http://[::1"}}}`,
			"mcpServers.a.url", "invalid URL", "", 1, 0, 1},
		{"type typo", `{"mcpServers": {"a": {"type": "stdoi", "command": "x"}}}`,
			"mcpServers.a.type", `unknown type "stdoi"`, `did you mean "stdio"`, 1, 0, 1},
		{"server key typo", `{"mcpServers": {"a": {"commmand": "x"}}}`,
			"mcpServers.a.commmand", "unknown key", `did you mean "command"`, 1, 23, 1},
		{"top typo", `{"mcpservers": {}}`, "mcpservers", "unknown key", `did you mean "mcpServers"`, 1, 2, 1},
		{"top far", `{"plugins": {}}`, "plugins", "unknown key", "valid keys: mcpServers, servers, inputs, $schema, cemcp", 1, 2, 1},
		{"both lists", `{"mcpServers": {}, "servers": {}}`, "servers", `both "mcpServers" and "servers"`, "", 1, 0, 1},
		{"name with dot", `{"mcpServers": {"a.b": {"command": "x"}}}`,
			`mcpServers["a.b"]`, `invalid server name "a.b"`, `rename it to "a_b"`, 1, 17, 1},
		{"name with slash", `{"mcpServers": {"org/srv": {"command": "x"}}}`,
			`mcpServers["org/srv"]`, "invalid server name", `rename it to "org_srv"`, 1, 0, 1},
		{"name too long", `{"mcpServers": {"` + strings.Repeat("a", 65) + `": {"command": "x"}}}`,
			"", "invalid server name", "at most 64", 1, 0, 1},
		{"envFile", `{"mcpServers": {"a": {"command": "x", "envFile": ".env"}}}`,
			"mcpServers.a.envFile", "not supported", `put the variables in "env"`, 1, 0, 1},
		{"unset var", `{"mcpServers": {"a": {"command": "x", "env": {"K": "${NOPE}"}}}}`,
			"mcpServers.a.env.K", "variable NOPE is not set", "export NOPE=... or write ${NOPE:-default}", 1, 0, 1},
		{"unset var in header", `{"mcpServers": {"a": {"url": "http://h/", "headers": {"Authorization": "Bearer ${NOPE}"}}}}`,
			"mcpServers.a.headers.Authorization", "variable NOPE is not set", "", 1, 0, 1},
		{"unset var in token", `{"cemcp": {"serve": {"token": "${NOPE}"}}}`,
			"cemcp.serve.token", "variable NOPE is not set", "", 1, 0, 1},
		{"unset var in audit path", `{"cemcp": {"audit": {"path": "${NOPE}/a.db"}}}`,
			"cemcp.audit.path", "variable NOPE is not set", "", 1, 0, 1},
		{"bool as string", `{"mcpServers": {"a": {"command": "x", "disabled": "false"}}}`,
			"mcpServers.a.disabled", "expected true or false", "remove the quotes: false", 1, 0, 1},
		{"args as string", `{"mcpServers": {"a": {"command": "x", "args": "run it"}}}`,
			"mcpServers.a.args", "expected an array of strings", `["run", "it"]`, 1, 0, 1},
		{"negative", `{"cemcp": {"sandbox": {"max_pids": -5}}}`,
			"cemcp.sandbox.max_pids", "-5 is out of range", "from 1 to 65536", 1, 0, 1},
		{"zero", `{"cemcp": {"sandbox": {"memory_mb": 0}}}`,
			"cemcp.sandbox.memory_mb", "0 is out of range", "from 1 to", 1, 0, 1},
		{"fraction", `{"cemcp": {"sandbox": {"max_pids": 1.5}}}`,
			"cemcp.sandbox.max_pids", "expected a whole number", "", 1, 0, 1},
		{"huge", `{"cemcp": {"sandbox": {"timeout_ms": 99999999999999999999999}}}`,
			"cemcp.sandbox.timeout_ms", "out of range", "", 1, 0, 1},
		{"cemcp typo", `{"cemcp": {"sandbox": {"max_output": 1}}}`,
			"cemcp.sandbox.max_output", "unknown key", `did you mean "max_output_bytes"`, 1, 0, 1},
		{"effect", `{"cemcp": {"policy": {"rules": [{"when": "true", "effect": "alow"}]}}}`,
			"cemcp.policy.rules[0].effect", `invalid value "alow"`, `did you mean "allow"`, 1, 0, 1},
		{"rate limit zero", `{"mcpServers": {"a": {"command": "x"}}, "cemcp": {"policy": {"rate_limits": {"a.*": 0}}}}`,
			"cemcp.policy.rate_limits[\"a.*\"]", "0 is out of range", "", 1, 0, 1},
		{"expose unknown server", `{"mcpServers": {"files": {"command": "x"}}, "cemcp": {"expose": {"file": "passthrough"}}}`,
			"cemcp.expose.file", `server "file" is not in mcpServers`, `did you mean "files"`, 1, 0, 1},
		{"servers unknown", `{"cemcp": {"servers": {"x": {}}}}`,
			"cemcp.servers.x", "not in mcpServers", "add the server to mcpServers first", 1, 0, 1},
		{"trust", `{"mcpServers": {"a": {"command": "x"}}, "cemcp": {"servers": {"a": {"trust": "full"}}}}`,
			"cemcp.servers.a.trust", `invalid value "full"`, `"trusted", "untrusted"`, 1, 0, 1},
		{"log level", `{"cemcp": {"log_level": "warning"}}`,
			"cemcp.log_level", `invalid value "warning"`, `did you mean "warn"`, 1, 0, 1},
		{"open listener", `{"cemcp": {"serve": {"http": ":8080"}}}`,
			"cemcp.serve.http", "without a token", "cemcp.serve.token", 1, 0, 1},
		{"duplicate", `{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}`,
			"mcpServers.a", "duplicate key", "", 1, 40, 1},
		{"syntax", "{\n  \"mcpServers\": {,}\n}", "", "invalid JSON", "", 2, 18, 1},
		{"multibyte column", "{\"mcpServers\": {\"a\": {\"command\": \"ü\", \"args\": [1]}}}",
			"mcpServers.a.args[0]", "expected a string", "", 1, 48, 1},
		{"bom column", "\ufeff{\"x\": 1}", "x", "unknown key", "", 1, 2, 1},
		{"many", `{"mcpServers": {"a": {"args": [1]}, "b": {"url": "ftp://x"}}, "cemcp": {"log_level": 1}}`,
			"mcpServers.a.args[0]", "", "", 1, 0, 3},
		{"deep nesting", strings.Repeat("[", 10000), "", "nesting deeper than", "", 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parse(t, tt.src, nil)
			if err == nil {
				t.Fatalf("no error; got %+v", cfg)
			}
			all := Errors(err)
			if len(all) == 0 {
				t.Fatalf("no *Error in %v", err)
			}
			if tt.nErrors > 0 && len(all) != tt.nErrors {
				t.Errorf("got %d errors, want %d:\n%v", len(all), tt.nErrors, err)
			}
			e := all[0]
			if tt.key != "" && e.Key != tt.key {
				t.Errorf("Key = %q, want %q (%v)", e.Key, tt.key, e)
			}
			if !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("Msg = %q, want it to contain %q", e.Msg, tt.msg)
			}
			if !strings.Contains(e.Fix, tt.fix) {
				t.Errorf("Fix = %q, want it to contain %q", e.Fix, tt.fix)
			}
			if e.Line != tt.line || (tt.col != 0 && e.Col != tt.col) {
				t.Errorf("position %d:%d, want %d:%d", e.Line, e.Col, tt.line, tt.col)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "config.json", Line: 12, Col: 5, Key: "mcpServers.weather.args[1]", Msg: "expected a string, got number", Fix: `write it in quotes: "3"`},
			`config.json:12:5: mcpServers.weather.args[1]: expected a string, got number (fix: write it in quotes: "3")`},
		{Error{Line: 1, Col: 2, Msg: "m"}, "1:2: m"},
		{Error{Key: "k", Msg: "m"}, "k: m"},
		{Error{File: "f", Msg: "m", Fix: "x"}, "f: m (fix: x)"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got  %s\nwant %s", got, tt.want)
		}
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"mcpServers": {`)
	for i := range 80 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"s` + strings.Repeat("x", i) + `": {}`)
	}
	b.WriteString("}}")
	_, err := parse(t, b.String(), nil)
	all := Errors(err)
	if len(all) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d", len(all), maxErrors+1)
	}
	if last := all[len(all)-1]; last.Msg != "30 more problems not shown" {
		t.Errorf("last error = %v", last)
	}
}

func TestExpand(t *testing.T) {
	env := map[string]string{"A": "alpha", "EMPTY": "", "P": "/opt"}
	tests := []struct {
		in, want string
		problem  string // substring of the problem; "" = none
	}{
		{"plain", "plain", ""},
		{"${A}", "alpha", ""},
		{"x${A}y${A}", "xalphayalpha", ""},
		{"${env:A}", "alpha", ""},
		{"${B:-dflt}", "dflt", ""},
		{"${env:B:-dflt}", "dflt", ""},
		{"${EMPTY:-dflt}", "dflt", ""},
		{"${EMPTY}", "", ""},
		{"${A:-dflt}", "alpha", ""},
		{"${B:-}", "", ""},
		{"${B:-a:-b}", "a:-b", ""},
		{"$$", "$", ""},
		{"$${A}", "${A}", ""},
		{"cost $5", "cost $5", ""},
		{"$A", "$A", ""},
		{"trailing $", "trailing $", ""},
		{"${P}/bin", "/opt/bin", ""},
		{"${B}", "${B}", "variable B is not set"},
		{"${env:B}", "${env:B}", "variable B is not set"},
		{"${}", "${}", "invalid variable name"},
		{"${A-B}", "${A-B}", "invalid variable name"},
		{"${input:tok}", "${input:tok}", "prompt"},
		{"${config:x}", "${config:x}", "unsupported variable"},
		{"${workspaceFolder}/x", "${workspaceFolder}/x", "VS Code variable"},
		{"${A", "${A", "unterminated"},
	}
	for _, tt := range tests {
		got, probs := expandVars(tt.in, lookupIn(env))
		if got != tt.want {
			t.Errorf("expandVars(%q) = %q, want %q", tt.in, got, tt.want)
		}
		switch {
		case tt.problem == "" && len(probs) > 0:
			t.Errorf("expandVars(%q): unexpected problem %v", tt.in, probs)
		case tt.problem != "" && (len(probs) != 1 || !strings.Contains(probs[0].msg, tt.problem)):
			t.Errorf("expandVars(%q): problems %v, want one containing %q", tt.in, probs, tt.problem)
		}
	}
}

// TestExpandReadsOnlyNamedVariables guards the rule that expansion reads
// the variables the configuration names and nothing else.
func TestExpandReadsOnlyNamedVariables(t *testing.T) {
	var asked []string
	lookup := func(k string) (string, bool) {
		asked = append(asked, k)
		return "v", true
	}
	src := `{"mcpServers": {"a": {"command": "x", "args": ["${ONE}", "$TWO"], "env": {"K": "${env:THREE}"}}},
		"cemcp": {"audit": {"path": "/tmp/a.db"}}}`
	if _, err := Parse([]byte(src), "", lookup); err != nil {
		t.Fatal(err)
	}
	// XDG_STATE_HOME and HOME are read for the default audit path, which
	// the loop below must not see since the path is given.
	if diff := cmp.Diff([]string{"XDG_STATE_HOME", "HOME", "ONE", "THREE"}, asked); diff != "" {
		t.Errorf("variables read (-want +got):\n%s", diff)
	}
}

func TestDisabledServerToleratesUnsetVariables(t *testing.T) {
	cfg, err := parse(t, `{"mcpServers": {"old": {"command": "${NOPE}/bin/x", "disabled": true}}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Servers["old"].Command; got != "${NOPE}/bin/x" {
		t.Errorf("Command = %q", got)
	}
	// The same server enabled is an error.
	if _, err := parse(t, `{"mcpServers": {"old": {"command": "${NOPE}/bin/x"}}}`, nil); err == nil {
		t.Error("enabled server with an unset variable parsed")
	}
}

func TestTypes(t *testing.T) {
	tests := []struct{ entry, want string }{
		{`{"command": "x"}`, "stdio"},
		{`{"url": "http://h/mcp"}`, "http"},
		{`{"type": "stdio", "command": "x"}`, "stdio"},
		{`{"type": "http", "url": "http://h/mcp"}`, "http"},
		{`{"type": "sse", "url": "http://h/sse"}`, "sse"},
		{`{"type": "streamable-http", "url": "http://h/mcp"}`, "http"},
		{`{"type": "streamableHttp", "url": "http://h/mcp"}`, "http"},
		{`{"serverUrl": "https://h/mcp"}`, "http"},
	}
	for _, tt := range tests {
		cfg, err := parse(t, `{"mcpServers": {"s": `+tt.entry+`}}`, nil)
		if err != nil {
			t.Errorf("%s: %v", tt.entry, err)
			continue
		}
		if got := cfg.Servers["s"].Type; got != tt.want {
			t.Errorf("%s: Type = %q, want %q", tt.entry, got, tt.want)
		}
	}
}

func TestTimeoutPrecedence(t *testing.T) {
	src := `{"mcpServers": {
		"plain": {"command": "x"},
		"cline": {"command": "x", "timeout": 7},
		"own":   {"command": "x", "timeout": 7}
	}, "cemcp": {"servers": {
		"*":   {"call_timeout_ms": 2000, "start_timeout_ms": 3000, "trust": "trusted"},
		"own": {"call_timeout_ms": 1000, "trust": "untrusted"}
	}}}`
	cfg, err := parse(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		call, start time.Duration
		trusted     bool
	}{
		"plain": {2 * time.Second, 3 * time.Second, true},
		"cline": {7 * time.Second, 3 * time.Second, true},
		"own":   {1 * time.Second, 3 * time.Second, false},
	}
	for name, w := range want {
		s := cfg.Servers[name]
		if s.CallTimeout != w.call || s.StartTimeout != w.start || s.Trusted != w.trusted {
			t.Errorf("%s: call %v start %v trusted %v, want %+v", name, s.CallTimeout, s.StartTimeout, s.Trusted, w)
		}
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(t, `{"mcpServers": {"a": {"command": "x"}}}`, map[string]string{"HOME": "/h"})
	if err != nil {
		t.Fatal(err)
	}
	wantMode := "inprocess"
	if runtime.GOOS == "linux" {
		wantMode = "jail"
	}
	want := Settings{
		Sandbox: Sandbox{
			Mode: wantMode, Timeout: 30 * time.Second, MaxTimeout: 300 * time.Second,
			MaxOutputBytes: 65536, MaxToolCalls: 1000, MaxConcurrency: 8, MaxCallDepth: 1000,
			MemoryBytes: 256 << 20, MaxPids: 32, CPUPercent: 100, ScratchBytes: 16 << 20, PoolSize: 2,
		},
		Policy:   Policy{MaxCallsPerRun: 1000, RateLimits: map[string]int{}, ApprovalTimeout: 120 * time.Second},
		Audit:    Audit{Enabled: true, Path: "/h/.local/state/cemcp/audit.db"},
		Expose:   map[string]Expose{},
		LogLevel: "info",
	}
	if diff := cmp.Diff(want, cfg.Cemcp); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	s := cfg.Servers["a"]
	if s.StartTimeout != 30*time.Second || s.CallTimeout != 60*time.Second || s.Trusted {
		t.Errorf("server defaults: %+v", s)
	}

	// max_calls_per_run follows max_tool_calls when not set.
	cfg, err = parse(t, `{"cemcp": {"sandbox": {"max_tool_calls": 7}}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cemcp.Policy.MaxCallsPerRun != 7 {
		t.Errorf("MaxCallsPerRun = %d, want 7", cfg.Cemcp.Policy.MaxCallsPerRun)
	}

	d := Default()
	if len(d.Servers) != 0 || d.Servers == nil {
		t.Errorf("Default().Servers = %v", d.Servers)
	}
	if d.Cemcp.Sandbox != want.Sandbox || d.Cemcp.LogLevel != "info" || !d.Cemcp.Audit.Enabled || d.Cemcp.Audit.Path == "" {
		t.Errorf("Default().Cemcp = %+v", d.Cemcp)
	}
}

func TestAuditPathDefault(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_STATE_HOME": "/state", "HOME": "/h"}, "/state/cemcp/audit.db"},
		{map[string]string{"XDG_STATE_HOME": "relative", "HOME": "/h"}, "/h/.local/state/cemcp/audit.db"},
		{map[string]string{"HOME": "/h"}, "/h/.local/state/cemcp/audit.db"},
		{map[string]string{}, "cemcp-audit.db"},
	}
	for _, tt := range tests {
		if got := defaultAuditPath(lookupIn(tt.env)); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestExposeFor(t *testing.T) {
	src := `{"mcpServers": {"a": {"command": "x"}, "b": {"command": "x"}, "c": {"command": "x"}},
		"cemcp": {"expose": {"b": {"names": "original"}, "*": "passthrough", "c": "code"}}}`
	cfg, err := parse(t, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]Expose{
		"a":     {Mode: "passthrough", Names: "prefixed"}, // from "*"
		"b":     {Mode: "passthrough", Names: "original"}, // inherits mode from "*"
		"c":     {Mode: "code", Names: "prefixed"},
		"other": {Mode: "passthrough", Names: "prefixed"},
	}
	for name, want := range tests {
		if got := cfg.ExposeFor(name); got != want {
			t.Errorf("ExposeFor(%q) = %+v, want %+v", name, got, want)
		}
	}
	if got := Default().ExposeFor("x"); got != (Expose{Mode: "code", Names: "prefixed"}) {
		t.Errorf("default ExposeFor = %+v", got)
	}
}

func TestServerValidate(t *testing.T) {
	tests := []struct {
		s    Server
		want string // "" = valid
	}{
		{Server{Name: "a", Command: "x"}, ""},
		{Server{Name: "a", URL: "https://h/mcp"}, ""},
		{Server{Name: "a", Type: "streamable-http", URL: "https://h/mcp"}, ""},
		{Server{Name: "a b", Command: "x"}, `mcpServers["a b"]: invalid server name`},
		{Server{Name: "a"}, `mcpServers.a: no "command" or "url"`},
		{Server{Name: "a", Command: "x", URL: "http://h"}, "mcpServers.a.url: both"},
		{Server{Name: "a", Type: "http", Command: "x"}, `mcpServers.a.type: type "http" needs "url"`},
		{Server{Name: "a", Type: "ws", URL: "http://h"}, `unknown type "ws"`},
		{Server{Name: "a", URL: "ftp://h"}, "must start with http"},
		{Server{Name: "a", Command: "x", CallTimeout: -1}, "negative timeout"},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", tt.s, err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want *Error containing %q", tt.s, err, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("CEMCP_TEST_UNITS", "imperial")
	path := filepath.Join(home, "cfg.json")
	src := `{"mcpServers": {"w": {"command": "cemcp", "env": {"UNITS": "${CEMCP_TEST_UNITS}"}}}}`
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("~/cfg.json")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != path {
		t.Errorf("Path = %q, want %q", cfg.Path, path)
	}
	if got := cfg.Servers["w"].Env["UNITS"]; got != "imperial" {
		t.Errorf("UNITS = %q", got)
	}

	_, err = Load(filepath.Join(home, "missing.json"))
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v (a *Error wrapping fs.ErrNotExist expected)", err)
	}
	if !strings.Contains(err.Error(), "missing.json: cannot read the configuration: no such file or directory") {
		t.Errorf("message: %v", err)
	}

	bad := filepath.Join(home, "bad.json")
	if err := os.WriteFile(bad, []byte("{\n  \"mcpServers\": 3\n}"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(bad)
	if !errors.As(err, &e) || e.File != bad || e.Line != 2 || e.Key != "mcpServers" {
		t.Errorf("bad file: %#v", e)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"command", "args", "env", "cwd", "url", "headers", "max_output_bytes"}
	tests := map[string]string{
		"comand":      "command",
		"Command":     "command",
		"arg":         "args",
		"argv":        "args",
		"header":      "headers",
		"URL":         "url",
		"uri":         "url",
		"max_output":  "max_output_bytes", // prefix
		"environment": "env",              // prefix
		"zzz":         "",
		"ur":          "url",
		"e":           "",
	}
	for in, want := range tests {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := suggest("max_outpt_bytes", keys); got != "max_output_bytes" {
		t.Errorf("long key: %q", got)
	}
	if d := editdist.Distance("kitten", "sitting"); d != 3 {
		t.Errorf("levenshtein = %d", d)
	}
}

func TestLogValueRedacts(t *testing.T) {
	s := &Server{Name: "r", Type: "http", URL: "https://user:pw@h/mcp?key=SECRETQ",
		Headers: map[string]string{"Authorization": "Bearer SECRETH"}, Env: map[string]string{"K": "SECRETE"}}
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	log.Info("server", "s", s, "serve", Serve{HTTP: "127.0.0.1:1", Token: "SECRETT"})
	out := b.String()
	if strings.Contains(out, "SECRET") || strings.Contains(out, "pw") {
		t.Errorf("secret logged: %s", out)
	}
	if !strings.Contains(out, "Authorization") || !strings.Contains(out, "s.name=r") {
		t.Errorf("too little logged: %s", out)
	}
}
