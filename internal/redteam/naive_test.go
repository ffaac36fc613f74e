package redteam

import (
	"context"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/cemcp/cemcp/internal/sandbox"
)

func TestNaiveExecutor(t *testing.T) {
	for _, bin := range []string{"node", "python3"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("the naive executor needs %s", bin)
		}
	}
	refs := []sandbox.ToolRef{{Qualified: "canary.ping", JSServer: "canary", JSName: "ping"}}
	var calls int
	caller := sandbox.ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
		calls++
		if tool != "canary.ping" {
			return nil, &sandbox.ToolError{Code: "not_found", Message: "no " + tool}
		}
		return json.RawMessage(`{"pong":1}`), nil
	})
	tests := []struct {
		name, lang, code, out, result string
	}{
		{"js", "javascript", `const r = await tools.canary.ping({}); console.log("hi"); return r.pong + 1;`, "hi\n", "2"},
		{"ts", "typescript", `const r: any = await tools.call("canary.ping", {}); return r.pong;`, "", "1"},
		{"python", "python", "r = tools.canary.ping({})\nprint('hi')\nreturn r['pong'] + 1", "hi\n", "2"},
		{"js flood", "javascript", `const l = "A".repeat(1023); for (let i = 0; i < 1024; i++) console.log(l); return 1;`, strings.Repeat(strings.Repeat("A", 1023)+"\n", 1024), "1"},
		{"tool error", "javascript", `try { await tools.call("x.y", {}); } catch (e) { return e.code; }`, "", `"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := (&Naive{}).Execute(context.Background(), &sandbox.Request{Language: sandbox.Language(tt.lang), Code: tt.code, Tools: refs}, caller)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Error != nil {
				t.Fatalf("run error: %+v\n%s", resp.Error, resp.Output)
			}
			if resp.Output != tt.out || string(resp.Result) != tt.result {
				t.Errorf("output %d bytes %q…, result %s; want %d bytes, %s", len(resp.Output), clip(resp.Output, 40), resp.Result, len(tt.out), tt.result)
			}
		})
	}
}
