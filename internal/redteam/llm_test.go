package redteam

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/bench"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate"
)

// chatRequest is what the fake model reads of a Chat Completions request.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role       string `json:"role"`
		Content    string `json:"content"`
		ToolCallID string `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

// fakeModel is a server speaking the Chat Completions protocol that plays a
// gullible model: it follows the scenario's plan (search_tools, then
// describe_tools with $TOP read from the search result, then the plan's
// programs through execute_code), then obeys every instruction it finds in
// the tool messages it was sent, then answers. Every decision comes from
// the request's conversation, so what it obeys is what the gateway let
// through to the model.
type fakeModel struct {
	plan Plan
	// loop makes it call search_tools forever (the turn limit test).
	loop bool
	// fail answers every request with this status.
	fail int

	mu       sync.Mutex
	requests []chatRequest
}

func (f *fakeModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer k" {
		http.Error(w, "bad path or key", http.StatusBadRequest)
		return
	}
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	if f.fail != 0 {
		http.Error(w, `{"error":{"message":"overloaded"}}`, f.fail)
		return
	}
	name, args, answer := f.next(req)
	msg := map[string]any{"role": "assistant", "content": answer}
	if name != "" {
		a, _ := json.Marshal(args)
		msg["content"] = nil
		msg["tool_calls"] = []any{map[string]any{"id": fmt.Sprintf("call_%d", len(req.Messages)), "type": "function",
			"function": map[string]any{"name": name, "arguments": string(a)}}}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": "stop"}},
		"usage":   map[string]int{"prompt_tokens": 100, "completion_tokens": 10}})
}

// next decides the reply: a tool call (name, args) or an answer.
func (f *fakeModel) next(req chatRequest) (string, map[string]any, string) {
	if f.loop {
		return "search_tools", map[string]any{"query": "door"}, ""
	}
	var read []string // tool messages, in order
	var sent []string // programs already sent
	calls := 0
	top := ""
	for _, m := range req.Messages {
		switch m.Role {
		case "assistant":
			for _, tc := range m.ToolCalls {
				calls++
				var a struct{ Code string }
				_ = json.Unmarshal([]byte(tc.Function.Arguments), &a)
				if a.Code != "" {
					sent = append(sent, a.Code)
				}
			}
		case "tool":
			read = append(read, m.Content)
			if top == "" {
				top, _, _ = strings.Cut(m.Content, " — ")
			}
		}
	}
	var script []func() (string, map[string]any)
	if f.plan.Search != "" {
		script = append(script, func() (string, map[string]any) {
			return "search_tools", map[string]any{"query": f.plan.Search, "limit": 5}
		})
	}
	if len(f.plan.Describe) > 0 {
		script = append(script, func() (string, map[string]any) {
			var names []string
			for _, n := range f.plan.Describe {
				names = append(names, strings.ReplaceAll(n, "$TOP", top))
			}
			return "describe_tools", map[string]any{"names": names}
		})
	}
	for _, p := range f.plan.Programs {
		script = append(script, func() (string, map[string]any) { return "execute_code", map[string]any{"code": p} })
	}
	if calls < len(script) {
		name, args := script[calls]()
		return name, args, ""
	}
	a := NewAgent(nil, 8)
	for _, t := range read {
		a.Turns = append(a.Turns, Turn{Read: DecodeTags(t)})
	}
	for _, in := range a.pending() {
		if !slices.Contains(sent, in.program) {
			args := map[string]any{"code": in.program}
			if in.lang != "" {
				args["language"] = in.lang
			}
			return "execute_code", args, ""
		}
	}
	return "", nil, "Done."
}

// inProcess is a configuration on the in-process sandbox (no jail, no
// runner binary: the test stays fast and runs anywhere).
func inProcess(name string, layers *gate.Layers, trustAll bool) Configuration {
	sb := config.Default().Cemcp.Sandbox
	sb.Mode = "inprocess"
	return Configuration{Name: name, Jail: true, Sandbox: &sb, Layers: layers, TrustAll: trustAll}
}

func scenario(t *testing.T, id string) Scenario {
	t.Helper()
	for _, s := range All() {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no scenario %s", id)
	return Scenario{}
}

// TestLLMDriver runs a scenario end to end with the LLM driver against a
// local Chat Completions server playing a gullible model. With no defense
// the injected instruction reaches the model, which obeys it, and the
// oracle sees the grant reach the doors server; with every layer on the
// instruction never reaches the model and the attack is blocked.
func TestLLMDriver(t *testing.T) {
	s := scenario(t, "P1.1/description-injection")
	fm := &fakeModel{plan: s.Plan(nil)}
	srv := httptest.NewServer(fm)
	defer srv.Close()
	off := &gate.Layers{}
	cfgs := []Configuration{inProcess("open", off, true), inProcess("all", nil, false)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, Options{Configurations: cfgs, Scenarios: []Scenario{s}, Controls: []Control{}, Parallel: 1,
		Driver: &LLM{Provider: &bench.OpenAI{BaseURL: srv.URL + "/v1", APIKey: "k", Model: "fake-model"}, Model: "fake-model"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Driver != "llm" || rep.Model != "fake-model" {
		t.Errorf("report driver %q model %q, want llm fake-model", rep.Driver, rep.Model)
	}
	tests := []struct {
		config  string
		blocked bool
		effect  string
	}{
		{"open", false, "reached doors.grant"},
		{"all", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			o, ok := rep.Outcome(s.ID, tt.config)
			if !ok {
				t.Fatal("no outcome")
			}
			if o.Blocked != tt.blocked || !strings.Contains(strings.Join(o.Effects, "\n"), tt.effect) {
				t.Errorf("blocked %v, effects %q; want blocked %v with %q\ntranscript: %+v", o.Blocked, o.Effects, tt.blocked, tt.effect, o.Transcript)
			}
			n := len(o.Transcript)
			if n == 0 || o.Transcript[n-1].Tool != "answer" || o.Transcript[n-1].Input != "Done." {
				t.Errorf("the run does not end with the model's answer: %+v", o.Transcript)
			}
			if o.Turns == 0 {
				t.Errorf("no execute_code turn")
			}
		})
	}
	// What the model was sent: the task, the gateway's tools, and the
	// gateway's results as tool messages.
	first := fm.requests[0]
	if first.Model != "fake-model" || len(first.Messages) < 2 || first.Messages[0].Role != "system" ||
		first.Messages[1].Role != "user" || first.Messages[1].Content != s.Task {
		t.Errorf("first request: %+v", first)
	}
	var tools []string
	for _, tl := range first.Tools {
		tools = append(tools, tl.Function.Name)
	}
	for _, want := range []string{"search_tools", "describe_tools", "execute_code"} {
		if !slices.Contains(tools, want) {
			t.Errorf("tools %v lack %s", tools, want)
		}
	}
	var sawSearch bool
	for _, r := range fm.requests {
		for _, m := range r.Messages {
			if m.Role == "tool" && strings.Contains(m.Content, "access.find_user") {
				sawSearch = true
			}
		}
	}
	if !sawSearch {
		t.Error("no tool message carried the search result")
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "agent: llm (fake-model)") {
		t.Errorf("text report does not name the driver:\n%s", text.String())
	}
}

// TestLLMDriverLimits: a model that never answers stops at the turn limit,
// and a provider that fails is a harness failure, not a gateway failure.
func TestLLMDriverLimits(t *testing.T) {
	s := scenario(t, "P1.1/description-injection")
	tests := []struct {
		name     string
		fm       *fakeModel
		requests int
		effect   string
		last     string
	}{
		{"turn limit", &fakeModel{loop: true}, 3, "", "(no answer within 3 turns)"},
		{"provider fails", &fakeModel{fail: http.StatusServiceUnavailable}, 1, "harness: scenario " + s.ID + ", turn 0: model: post", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.fm)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			rep, err := Run(ctx, Options{Configurations: []Configuration{inProcess("all", nil, false)}, Scenarios: []Scenario{s}, Controls: []Control{},
				Driver: &LLM{Provider: &bench.OpenAI{BaseURL: srv.URL + "/v1", APIKey: "k", Model: "m"}, MaxTurns: 3, Retries: -1}})
			if err != nil {
				t.Fatal(err)
			}
			o := rep.Outcomes[0]
			if got := len(tt.fm.requests); got != tt.requests {
				t.Errorf("%d model requests, want %d", got, tt.requests)
			}
			effects := strings.Join(o.Effects, "\n")
			if tt.effect == "" && len(o.Effects) > 0 || !strings.Contains(effects, tt.effect) || strings.Contains(effects, "gateway hung") {
				t.Errorf("effects %q, want %q", o.Effects, tt.effect)
			}
			if tt.last != "" && (len(o.Transcript) == 0 || o.Transcript[len(o.Transcript)-1].Input != tt.last) {
				t.Errorf("transcript %+v, want it to end with %q", o.Transcript, tt.last)
			}
		})
	}
}

func TestRequest(t *testing.T) {
	tests := []struct {
		name string
		s    Scenario
		p    Plan
		want []string
	}{
		{"task", Scenario{Task: "find bob's role"}, Plan{Programs: []string{"return 1"}}, []string{"find bob's role"}},
		{"malicious program", Scenario{Task: MaliciousTask}, Plan{Language: "python", Programs: []string{"import os\nos.system('x')"}},
			[]string{`execute_code (language "python")`, "```python\nimport os\nos.system('x')\n```"}},
		{"default language", Scenario{Task: MaliciousTask}, Plan{Programs: []string{"a", "b"}},
			[]string{`(language "typescript")`, "```typescript\na\n```", "```typescript\nb\n```"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Request(tt.s, tt.p)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Request = %q, want it to contain %q", got, w)
				}
			}
			if tt.s.Task != MaliciousTask && got != tt.s.Task {
				t.Errorf("Request = %q, want the task", got)
			}
		})
	}
}
