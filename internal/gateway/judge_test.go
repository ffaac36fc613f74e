package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeOpenAI is a local server speaking the Chat Completions wire protocol,
// standing in for the LLM provider. It answers pre- and post-execution
// reviews with the verdicts the test sets.
type fakeOpenAI struct {
	mu        sync.Mutex
	pre, post string // verdicts
	down      bool
	reviews   int
}

func (f *fakeOpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
		return
	}
	f.reviews++
	verdict := f.pre
	if strings.Contains(string(body), `program output\u003e\u003e\u003e`) {
		verdict = f.post
	}
	if strings.Contains(string(body), "sent_count") { // the test's own probe
		verdict = "SAFE"
	}
	answer, _ := json.Marshal(map[string]string{"verdict": verdict, "reason": "test verdict " + verdict})
	resp := map[string]any{"id": "x", "object": "chat.completion", "model": "judge-test",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(answer)}}}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// TestJudgeEnforced: the judge's verdicts are enforced, before and after
// execution, and a judge that cannot answer blocks (fail closed).
func TestJudgeEnforced(t *testing.T) {
	fake := &fakeOpenAI{pre: "SAFE", post: "SAFE"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	g := newTestGateway(t, testConfig(t, fmt.Sprintf(`{"sandbox": {"mode": "inprocess"}, "servers": {"bad": {"trust": "trusted"}},
		"judge": {"provider": "openai", "base_url": %q, "model": "judge-test", "timeout_ms": 2000}}`, srv.URL), "bad"))

	send := `const r = await tools.bad.send({ text: "hello" }); console.log("sent"); return r`
	tests := []struct {
		name       string
		pre, post  string
		down       bool
		wantErr    bool
		wantSent   int // sends that reached the server so far
		wantOutput bool
	}{
		{"safe", "SAFE", "SAFE", false, false, 1, true},
		{"unsafe code", "UNSAFE_CODE", "SAFE", false, true, 1, false},
		{"untrusted output", "SAFE", "UNTRUSTED_TOOL_OUTPUT", false, true, 2, false},
		{"judge down", "SAFE", "SAFE", true, true, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.mu.Lock()
			fake.pre, fake.post, fake.down = tt.pre, tt.post, tt.down
			fake.mu.Unlock()
			out := g.Execute(context.Background(), ExecuteInput{Code: send})
			fake.mu.Lock()
			fake.down = false
			fake.mu.Unlock()
			if (out.Error != nil) != tt.wantErr {
				t.Fatalf("error = %+v, want error %v\n%s", out.Error, tt.wantErr, out.Text())
			}
			if tt.wantErr && out.Error.Kind != "blocked" {
				t.Errorf("error kind %q, want blocked", out.Error.Kind)
			}
			if got := strings.Contains(out.Text(), "sent"); got != tt.wantOutput && !tt.wantErr {
				t.Errorf("output shown = %v, want %v", got, tt.wantOutput)
			}
			if tt.wantErr && (strings.Contains(out.Output, "sent") || out.Result != nil) {
				t.Errorf("blocked run still returns output %q / %v", out.Output, out.Result)
			}
			if n := sentCount(t, g, "bad"); n != tt.wantSent {
				t.Errorf("sends that reached the server = %d, want %d", n, tt.wantSent)
			}
		})
	}
}
