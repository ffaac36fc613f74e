package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
)

// sandboxSection is the cemcp.sandbox config the interop tests use: the
// Linux jail, with the runner built in TestMain.
func sandboxSection() string {
	return fmt.Sprintf(`{"mode": "jail", "runner": %q, "pool_size": 1}`, runnerBin)
}

func startGateway(t *testing.T, src string) *gateway.Gateway {
	t.Helper()
	cfg, err := config.Parse([]byte(src), "interop.json", nil)
	if err != nil {
		t.Fatalf("config: %v\n%s", err, src)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	g, err := gateway.New(ctx, gateway.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	for _, s := range g.Status() {
		if s.State != "ready" {
			t.Fatalf("upstream %s is %s: %s", s.Name, s.State, s.Error)
		}
	}
	return g
}

// TestReferenceServersStdio runs one program across the three official
// reference servers, connected over stdio, and checks the effects on disk.
func TestReferenceServersStdio(t *testing.T) {
	nodeBin := node(t)
	dir := t.TempDir()
	memFile := filepath.Join(t.TempDir(), "memory.jsonl")
	t.Setenv("CEMCP_SECRET_CANARY", "do-not-leak-4711")
	src := fmt.Sprintf(`{
  "mcpServers": {
    "everything": {"command": %q, "args": [%q, "stdio"]},
    "filesystem": {"command": %q, "args": [%q, %q]},
    "memory":     {"command": %q, "args": [%q], "env": {"MEMORY_FILE_PATH": %q}}
  },
  "cemcp": {"sandbox": %s, "servers": {"*": {"trust": "trusted"}}, "audit": {"path": %q}}
}`, nodeBin, refServer("everything"), nodeBin, refServer("filesystem"), dir, nodeBin, refServer("memory"), memFile, sandboxSection(), filepath.Join(t.TempDir(), "audit.db"))
	g := startGateway(t, src)

	for _, q := range []string{"everything.echo", "filesystem.read_text_file", "memory.read_graph"} {
		if _, ok := g.Catalog().Lookup(q); !ok {
			t.Fatalf("catalog lacks %s", q)
		}
	}

	code := fmt.Sprintf(`
const dir = %s;
await tools.filesystem.write_file({ path: dir + "/words.txt", content: "alpha\nbeta\ngamma" });
const file = await tools.filesystem.read_text_file({ path: dir + "/words.txt" });
const words = (typeof file === "string" ? file : file.content).split("\n");
await tools.memory.create_entities({ entities: words.map(w => ({ name: w, entityType: "word", observations: ["length " + w.length] })) });
const graph = await tools.memory.read_graph({});
const sum = await tools.everything.get_sum({ a: words.length, b: graph.entities.length });
const env = await tools.everything.get_env({});
console.log("words:", words.join(","));
return { words, entities: graph.entities.map(e => e.name).sort(), sum, leaked: JSON.stringify(env).includes("do-not-leak-4711"), hasPath: JSON.stringify(env).includes("PATH") };
`, jsonStr(dir))
	out := g.Execute(context.Background(), gateway.ExecuteInput{Code: code})
	if out.Error != nil {
		t.Fatalf("program failed:\n%s", out.Text())
	}
	var res struct {
		Words    []string `json:"words"`
		Entities []string `json:"entities"`
		Sum      any      `json:"sum"`
		Leaked   bool     `json:"leaked"`
		HasPath  bool     `json:"hasPath"`
	}
	if err := json.Unmarshal(out.Result.(json.RawMessage), &res); err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Entities, ",") != "alpha,beta,gamma" {
		t.Errorf("entities = %v", res.Entities)
	}
	if !strings.Contains(fmt.Sprint(res.Sum), "6") {
		t.Errorf("get-sum = %v, want 3+3=6", res.Sum)
	}
	if res.Leaked || !res.HasPath {
		t.Errorf("upstream environment: leaked secret=%v, has PATH=%v; want scrubbed env with PATH", res.Leaked, res.HasPath)
	}
	if len(out.Calls) != 6 {
		t.Errorf("calls = %d, want 6", len(out.Calls))
	}
	// Effects on the host: the file the filesystem server wrote, the graph
	// the memory server persisted.
	if b, err := os.ReadFile(filepath.Join(dir, "words.txt")); err != nil || string(b) != "alpha\nbeta\ngamma" {
		t.Errorf("words.txt = %q, %v", b, err)
	}
	if b, err := os.ReadFile(memFile); err != nil || !strings.Contains(string(b), `"gamma"`) {
		t.Errorf("memory file = %q, %v", b, err)
	}
}

// TestEverythingStreamableHTTP connects to server-everything over
// Streamable HTTP.
func TestEverythingStreamableHTTP(t *testing.T) {
	nodeBin := node(t)
	port := freePort(t)
	startProcess(t, []string{fmt.Sprintf("PORT=%d", port)}, nodeBin, refServer("everything"), "streamableHttp")
	waitListening(t, fmt.Sprintf("127.0.0.1:%d", port), 20*time.Second)
	src := fmt.Sprintf(`{"mcpServers": {"everything": {"type": "http", "url": "http://127.0.0.1:%d/mcp"}}, "cemcp": {"sandbox": %s, "audit": {"enabled": false}}}`, port, sandboxSection())
	g := startGateway(t, src)
	out := g.Execute(context.Background(), gateway.ExecuteInput{Code: `
const [echo, structured] = await Promise.all([
  tools.everything.echo({ message: "over http" }),
  tools.everything.get_structured_content({ location: "New York" }),
]);
return { echo, structured };`})
	if out.Error != nil {
		t.Fatalf("program failed:\n%s", out.Text())
	}
	got := string(out.Result.(json.RawMessage))
	if !strings.Contains(got, "over http") || !strings.Contains(got, "temperature") {
		t.Errorf("result = %s; want the echo and the structured weather content", got)
	}
}
