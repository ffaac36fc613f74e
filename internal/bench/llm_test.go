package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cemcp/cemcp/internal/tasks"
)

// fakeModel is a scripted model behind a real HTTP server: reply gets the
// decoded request body and returns the response body.
type fakeModel struct {
	mu       sync.Mutex
	requests []map[string]any
	headers  []http.Header
}

func (f *fakeModel) server(t *testing.T, path string, reply func(turn int, req map[string]any) any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		turn := len(f.requests)
		f.requests = append(f.requests, req)
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reply(turn, req))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func toolNames(req map[string]any, openai bool) []string {
	var out []string
	ts, _ := req["tools"].([]any)
	for _, t := range ts {
		m := t.(map[string]any)
		if openai {
			m = m["function"].(map[string]any)
		}
		out = append(out, m["name"].(string))
	}
	return out
}

// TestLLMOpenAICoupled: a model that calls the plan's tools, then answers
// from the results it was sent, through Chat Completions.
func TestLLMOpenAICoupled(t *testing.T) {
	tk, _ := tasks.Lookup("db-region-order-value")
	e := startEnv(t, Setup{Servers: tk.Servers})
	f := &fakeModel{}
	srv := f.server(t, "/v1/chat/completions", func(turn int, req map[string]any) any {
		msgs := req["messages"].([]any)
		switch turn {
		case 0:
			var calls []any
			for i, c := range tk.Plan[0].Calls {
				a, _ := json.Marshal(c.Args)
				calls = append(calls, map[string]any{"id": "c" + string(rune('0'+i)), "type": "function",
					"function": map[string]any{"name": passName(c.Tool), "arguments": string(a)}})
			}
			return map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": nil, "tool_calls": calls}}},
				"usage": map[string]any{"prompt_tokens": 1000, "completion_tokens": 20}}
		default:
			var res []json.RawMessage
			for _, m := range msgs {
				if mm := m.(map[string]any); mm["role"] == "tool" {
					res = append(res, json.RawMessage(mm["content"].(string)))
				}
			}
			ans := tk.Answer([][]json.RawMessage{res})
			return map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "content": "Here it is:\n```json\n" + string(ans) + "\n```"}}},
				"usage": map[string]any{"prompt_tokens": 1500, "completion_tokens": 80}}
		}
	})
	l := &LLM{Provider: &OpenAI{BaseURL: srv.URL + "/v1", APIKey: "sk-test", Model: "gpt-test"}}
	run, err := l.Run(context.Background(), e, tk, Coupled)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Correct {
		t.Errorf("answer rejected: %s", run.CheckError)
	}
	if len(run.Turns) != 2 || run.Input != 2500 || run.Output != 100 || run.ToolCalls != len(tk.Plan[0].Calls) {
		t.Errorf("turns %d input %d output %d calls %d; want 2, 2500, 100, %d", len(run.Turns), run.Input, run.Output, run.ToolCalls, len(tk.Plan[0].Calls))
	}
	if got := f.headers[0].Get("Authorization"); got != "Bearer sk-test" {
		t.Errorf("Authorization = %q", got)
	}
	if f.requests[0]["model"] != "gpt-test" {
		t.Errorf("model = %v", f.requests[0]["model"])
	}
	if names := toolNames(f.requests[0], true); len(names) != len(e.Tools) {
		t.Errorf("coupled request carries %d tools, want all %d", len(names), len(e.Tools))
	}
	// The second request carries the tool results under their call IDs.
	msgs := f.requests[1]["messages"].([]any)
	last := msgs[len(msgs)-1].(map[string]any)
	if last["role"] != "tool" || last["tool_call_id"] == "" {
		t.Errorf("last message of turn 2 = %v, want a tool result", last)
	}
}

// TestLLMAnthropicCode: a model that writes the program with execute_code,
// then answers with the returned value, through the Messages API.
func TestLLMAnthropicCode(t *testing.T) {
	tk := tasks.ByCategory(tasks.Two)[0]
	e := startEnv(t, Setup{Servers: tk.Servers})
	f := &fakeModel{}
	srv := f.server(t, "/v1/messages", func(turn int, req map[string]any) any {
		usage := map[string]any{"input_tokens": 700, "output_tokens": 50}
		if turn == 0 {
			return map[string]any{"role": "assistant", "stop_reason": "tool_use", "usage": usage, "content": []any{
				map[string]any{"type": "text", "text": "I'll write a program."},
				map[string]any{"type": "tool_use", "id": "toolu_1", "name": "execute_code", "input": map[string]any{"code": tk.Program}},
			}}
		}
		msgs := req["messages"].([]any)
		blocks := msgs[len(msgs)-1].(map[string]any)["content"].([]any)
		text := blocks[0].(map[string]any)["content"].(string)
		_, result, _ := strings.Cut(text, "Result: ")
		return map[string]any{"role": "assistant", "stop_reason": "end_turn", "usage": usage, "content": []any{
			map[string]any{"type": "text", "text": strings.TrimSpace(result)}}}
	})
	l := &LLM{Provider: &Anthropic{BaseURL: srv.URL, APIKey: "ak-test", Model: "claude-test"}}
	run, err := l.Run(context.Background(), e, tk, Code)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Correct {
		t.Errorf("answer rejected: %s", run.CheckError)
	}
	if len(run.Turns) != 2 || run.ToolCalls == 0 || run.ModelCalls != 1 {
		t.Errorf("turns %d, inner calls %d, model calls %d", len(run.Turns), run.ToolCalls, run.ModelCalls)
	}
	h := f.headers[0]
	if h.Get("x-api-key") != "ak-test" || h.Get("anthropic-version") == "" {
		t.Errorf("headers: %v", h)
	}
	if names := toolNames(f.requests[0], false); strings.Join(names, ",") != "describe_tools,execute_code,search_tools" {
		t.Errorf("code agent offers %v", names)
	}
	msgs := f.requests[1]["messages"].([]any)
	if r := msgs[len(msgs)-1].(map[string]any); r["role"] != "user" {
		t.Errorf("tool results must come back as a user message, got %v", r["role"])
	}
}

// TestLLMTurnLimit: a model that never stops calling tools is cut off.
func TestLLMTurnLimit(t *testing.T) {
	tk := tasks.ByCategory(tasks.Single)[0]
	e := startEnv(t, Setup{Servers: tk.Servers})
	f := &fakeModel{}
	srv := f.server(t, "/chat/completions", func(turn int, req map[string]any) any {
		return map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant", "tool_calls": []any{
			map[string]any{"id": "s", "type": "function", "function": map[string]any{"name": "search_tools", "arguments": `{"query":"anything"}`}}}}}}}
	})
	l := &LLM{Provider: &OpenAI{BaseURL: srv.URL, Model: "m"}, MaxTurns: 3}
	run, err := l.Run(context.Background(), e, tk, Search)
	if err != nil {
		t.Fatal(err)
	}
	if run.Correct || len(run.Turns) != 3 || !strings.Contains(run.CheckError, "3 turns") {
		t.Errorf("correct %v, turns %d, error %q", run.Correct, len(run.Turns), run.CheckError)
	}
	// Without usage figures the driver counts tokens itself, and every
	// turn's request is larger than the one before.
	for i := 1; i < len(run.Turns); i++ {
		if run.Turns[i].Input <= run.Turns[i-1].Input {
			t.Errorf("turn %d input %d not above turn %d's %d", i, run.Turns[i].Input, i-1, run.Turns[i-1].Input)
		}
	}
}

func TestExtractJSON(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"a":1}`, `{"a":1}`},
		{"Sure:\n```json\n{\"a\": {\"b\": [1,2]}}\n```", `{"a": {"b": [1,2]}}`},
		{"no json here", ""},
		{"{broken {\"x\":2}", `{"x":2}`},
	} {
		if got := string(extractJSON(c.in)); got != c.want {
			t.Errorf("extractJSON(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
