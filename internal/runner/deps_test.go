package runner

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRunnerDeps proves that the confined binary links none of the large or
// network-facing stacks of the gateway.
func TestRunnerDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cemcp/cemcp/cmd/cemcp-runner").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	banned := []string{"github.com/modelcontextprotocol", "cel.dev", "github.com/google/cel-go", "github.com/evanw/esbuild", "net/http"}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps printed %d packages; want the runner's dependencies", len(deps))
	}
	for _, d := range deps {
		for _, b := range banned {
			if d == b || strings.HasPrefix(d, b+"/") {
				t.Errorf("cemcp-runner links %s (banned: %s)", d, b)
			}
		}
	}
}
