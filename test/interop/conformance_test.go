package interop

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// notApplicable lists the conformance scenarios that test MCP features
// cemcp does not serve, with the reason. Keep README.md's list in step.
var notApplicable = map[string]string{
	"resources-list":                "cemcp serves tools only; upstream resources are not re-served",
	"resources-read-text":           "cemcp serves tools only; upstream resources are not re-served",
	"resources-read-binary":         "cemcp serves tools only; upstream resources are not re-served",
	"resources-templates-read":      "cemcp serves tools only; upstream resources are not re-served",
	"resources-subscribe":           "cemcp serves tools only; upstream resources are not re-served",
	"resources-unsubscribe":         "cemcp serves tools only; upstream resources are not re-served",
	"prompts-list":                  "cemcp serves tools only; upstream prompts are not re-served",
	"prompts-get-simple":            "cemcp serves tools only; upstream prompts are not re-served",
	"prompts-get-with-args":         "cemcp serves tools only; upstream prompts are not re-served",
	"prompts-get-embedded-resource": "cemcp serves tools only; upstream prompts are not re-served",
	"prompts-get-with-image":        "cemcp serves tools only; upstream prompts are not re-served",
	"completion-complete":           "completion applies to prompts and resource templates, which cemcp does not serve",
}

// TestConformance runs the official conformance suite (server mode, Node 22)
// against `cemcp serve --http` in pass-through mode over the Go SDK's
// conformance everything-server.
func TestConformance(t *testing.T) {
	nodeBin := node(t)
	dir := t.TempDir()
	everything := filepath.Join(dir, "everything-server")
	build := exec.Command("go", "build", "-o", everything, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the SDK's conformance server: %v\n%s", err, out)
	}
	upPort, gwPort := freePort(t), freePort(t)
	upAddr, gwAddr := fmt.Sprintf("127.0.0.1:%d", upPort), fmt.Sprintf("127.0.0.1:%d", gwPort)
	startProcess(t, nil, everything, "-http="+upAddr, "-stateless=false")
	waitListening(t, upAddr, 20*time.Second)

	cfg := filepath.Join(dir, "cemcp.json")
	writeFile(t, cfg, fmt.Sprintf(`{
  "mcpServers": {"conformance": {"type": "http", "url": "http://%s/mcp"}},
  "cemcp": {"sandbox": %s, "expose": {"conformance": {"mode": "passthrough", "names": "original"}},
            "servers": {"conformance": {"trust": "trusted"}}, "audit": {"path": %q}}
}`, upAddr, sandboxSection(), filepath.Join(dir, "audit.db")))
	startProcess(t, nil, cemcpBin, "serve", "--config", cfg, "--http", gwAddr)
	waitListening(t, gwAddr, 30*time.Second)

	outDir := filepath.Join(dir, "results")
	suite := filepath.Join(npmModDir, "@modelcontextprotocol", "conformance", "dist", "index.js")
	cmd := exec.Command(nodeBin, suite, "server", "--url", "http://"+gwAddr+"/mcp", "--spec-version", "2025-11-25", "--output-dir", outDir)
	cmd.Dir = dir
	out, _ := cmd.CombinedOutput() // the verdicts are read from the result files

	results := readConformance(t, outDir)
	if len(results) < 20 {
		t.Fatalf("only %d scenarios reported; suite output:\n%s", len(results), tail(string(out), 6000))
	}
	var names []string
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	passed, skipped := 0, 0
	for _, n := range names {
		failures := results[n]
		reason, na := notApplicable[n]
		switch {
		case na:
			skipped++
			t.Logf("n/a   %-32s %s", n, reason)
		case len(failures) > 0:
			t.Errorf("FAIL  %-32s %s", n, strings.Join(failures, "; "))
		default:
			passed++
			t.Logf("pass  %s", n)
		}
	}
	t.Logf("conformance: %d passed, %d not applicable, %d scenarios", passed, skipped, len(names))
	if t.Failed() {
		t.Logf("suite output:\n%s", tail(string(out), 6000))
	}
}

// stamp is the time suffix of a result directory: -2026-11-25T14-19-08-065Z.
var stamp = regexp.MustCompile(`-\d{4}-\d{2}-\d{2}T[\d-]+Z?$`)

// readConformance returns, per scenario, the failed checks.
func readConformance(t *testing.T, dir string) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read results: %v", err)
	}
	res := map[string][]string{}
	for _, e := range entries {
		name := stamp.ReplaceAllString(strings.TrimPrefix(e.Name(), "server-"), "")
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "checks.json"))
		if err != nil {
			res[name] = append(res[name], "no checks.json")
			continue
		}
		var checks []struct {
			ID, Status, ErrorMessage string
		}
		if err := json.Unmarshal(b, &checks); err != nil {
			res[name] = append(res[name], "bad checks.json: "+err.Error())
			continue
		}
		res[name] = res[name][:0:0]
		for _, c := range checks {
			if c.Status == "FAILURE" {
				res[name] = append(res[name], c.ID+": "+c.ErrorMessage)
			}
		}
	}
	return res
}
