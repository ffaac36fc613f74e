package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cemcp/cemcp/internal/tasks"
)

// Usage is what a provider reports a request cost.
type Usage struct {
	Input, Output int
}

// Provider is a chat model behind an HTTP API.
type Provider interface {
	// Complete sends one request and returns the assistant's reply.
	Complete(ctx context.Context, conv Conversation) (Message, Usage, error)
}

func postJSON(ctx context.Context, client *http.Client, url string, headers map[string]string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("read %s: %w", url, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post %s: %s: %s", url, resp.Status, strings.TrimSpace(string(data[:min(len(data), 500)])))
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode reply of %s: %w", url, err)
	}
	return nil
}

// OpenAI speaks the Chat Completions API (OpenAI, Azure-style gateways,
// vLLM, llama.cpp, Ollama and other compatible servers).
type OpenAI struct {
	BaseURL string // e.g. https://api.openai.com/v1
	APIKey  string
	Model   string
	Client  *http.Client
}

var _ Provider = (*OpenAI)(nil)

type oaMessage struct {
	Role       string       `json:"role"`
	Content    *string      `json:"content"`
	ToolCalls  []oaToolCall `json:"tool_calls,omitempty"`
	ToolCallID string       `json:"tool_call_id,omitempty"`
}

type oaToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

// Complete implements Provider.
func (o *OpenAI) Complete(ctx context.Context, conv Conversation) (Message, Usage, error) {
	var msgs []oaMessage
	str := func(s string) *string { return &s }
	if conv.System != "" {
		msgs = append(msgs, oaMessage{Role: RoleSystem, Content: str(conv.System)})
	}
	for _, m := range conv.Messages {
		om := oaMessage{Role: m.Role, Content: str(m.Content), ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			c := oaToolCall{ID: tc.ID, Type: "function"}
			c.Function.Name, c.Function.Arguments = tc.Name, string(tc.Arguments)
			om.ToolCalls = append(om.ToolCalls, c)
		}
		msgs = append(msgs, om)
	}
	body := map[string]any{"model": o.Model, "messages": msgs}
	if len(conv.Tools) > 0 {
		var tools []any
		for _, t := range conv.Tools {
			p := t.Parameters
			if len(p) == 0 {
				p = json.RawMessage(`{"type":"object"}`)
			}
			tools = append(tools, map[string]any{"type": "function", "function": map[string]any{"name": t.Name, "description": t.Description, "parameters": p}})
		}
		body["tools"] = tools
	}
	var out struct {
		Choices []struct {
			Message oaMessage `json:"message"`
		} `json:"choices"`
		Usage struct {
			Prompt     int `json:"prompt_tokens"`
			Completion int `json:"completion_tokens"`
		} `json:"usage"`
	}
	base := strings.TrimRight(o.BaseURL, "/")
	if base == "" {
		base = "https://api.openai.com/v1"
	}
	if err := postJSON(ctx, o.Client, base+"/chat/completions", map[string]string{"Authorization": "Bearer " + o.APIKey}, body, &out); err != nil {
		return Message{}, Usage{}, err
	}
	if len(out.Choices) == 0 {
		return Message{}, Usage{}, fmt.Errorf("chat completion without choices")
	}
	m := out.Choices[0].Message
	reply := Message{Role: RoleAssistant}
	if m.Content != nil {
		reply.Content = *m.Content
	}
	for _, tc := range m.ToolCalls {
		reply.ToolCalls = append(reply.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: json.RawMessage(tc.Function.Arguments)})
	}
	return reply, Usage{out.Usage.Prompt, out.Usage.Completion}, nil
}

// Anthropic speaks the Anthropic Messages API.
type Anthropic struct {
	BaseURL   string // default https://api.anthropic.com
	APIKey    string
	Model     string
	MaxTokens int // default 4096
	Client    *http.Client
}

var _ Provider = (*Anthropic)(nil)

type anBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"`
}

type anMessage struct {
	Role    string    `json:"role"`
	Content []anBlock `json:"content"`
}

// Complete implements Provider.
func (a *Anthropic) Complete(ctx context.Context, conv Conversation) (Message, Usage, error) {
	var msgs []anMessage
	for _, m := range conv.Messages {
		switch m.Role {
		case RoleTool:
			b := anBlock{Type: "tool_result", ToolUseID: m.ToolCallID, Content: m.Content}
			if n := len(msgs); n > 0 && msgs[n-1].Role == RoleUser && len(msgs[n-1].Content) > 0 && msgs[n-1].Content[0].Type == "tool_result" {
				msgs[n-1].Content = append(msgs[n-1].Content, b)
			} else {
				msgs = append(msgs, anMessage{Role: RoleUser, Content: []anBlock{b}})
			}
		case RoleAssistant:
			am := anMessage{Role: RoleAssistant}
			if m.Content != "" {
				am.Content = append(am.Content, anBlock{Type: "text", Text: m.Content})
			}
			for _, tc := range m.ToolCalls {
				in := tc.Arguments
				if len(in) == 0 {
					in = json.RawMessage("{}")
				}
				am.Content = append(am.Content, anBlock{Type: "tool_use", ID: tc.ID, Name: tc.Name, Input: in})
			}
			msgs = append(msgs, am)
		default:
			msgs = append(msgs, anMessage{Role: RoleUser, Content: []anBlock{{Type: "text", Text: m.Content}}})
		}
	}
	maxTok := a.MaxTokens
	if maxTok == 0 {
		maxTok = 4096
	}
	body := map[string]any{"model": a.Model, "max_tokens": maxTok, "messages": msgs}
	if conv.System != "" {
		body["system"] = conv.System
	}
	if len(conv.Tools) > 0 {
		var tools []any
		for _, t := range conv.Tools {
			p := t.Parameters
			if len(p) == 0 {
				p = json.RawMessage(`{"type":"object"}`)
			}
			tools = append(tools, map[string]any{"name": t.Name, "description": t.Description, "input_schema": p})
		}
		body["tools"] = tools
	}
	var out struct {
		Content []anBlock `json:"content"`
		Usage   struct {
			Input  int `json:"input_tokens"`
			Output int `json:"output_tokens"`
		} `json:"usage"`
	}
	base := strings.TrimRight(a.BaseURL, "/")
	if base == "" {
		base = "https://api.anthropic.com"
	}
	h := map[string]string{"x-api-key": a.APIKey, "anthropic-version": "2023-06-01"}
	if err := postJSON(ctx, a.Client, base+"/v1/messages", h, body, &out); err != nil {
		return Message{}, Usage{}, err
	}
	reply := Message{Role: RoleAssistant}
	for _, b := range out.Content {
		switch b.Type {
		case "text":
			reply.Content += b.Text
		case "tool_use":
			reply.ToolCalls = append(reply.ToolCalls, ToolCall{ID: b.ID, Name: b.Name, Arguments: b.Input})
		}
	}
	return reply, Usage{out.Usage.Input, out.Usage.Output}, nil
}

// LLM is the LLM driver: the agents' loop against a real model.
type LLM struct {
	Provider Provider
	Counter  *Counter
	MaxTurns int // default 12
}

// Run answers tk with one agent on e. Token counts are the provider's
// usage figures when it reports them (else o200k_base counts); ModelMs is
// the measured time of each model request.
func (l *LLM) Run(ctx context.Context, e *Env, tk tasks.Task, strategy string) (*Run, error) {
	maxTurns := l.MaxTurns
	if maxTurns <= 0 {
		maxTurns = 12
	}
	c := l.Counter
	if c == nil {
		c = &Counter{}
	}
	run := &Run{Task: tk.ID, Category: tk.Category, Strategy: strategy, Driver: "llm", Setup: e.Setup, Servers: len(e.GW.Status()), CatalogTools: len(e.Tools)}
	conv := Conversation{System: SystemPrompt, Messages: []Message{{Role: RoleUser, Content: tk.Request}}}
	switch strategy {
	case Coupled:
		conv.Tools = e.Tools
	case Search:
		for _, d := range e.CodeTools {
			if d.Name == "search_tools" {
				conv.Tools = append(conv.Tools, d)
			}
		}
	case Code:
		conv.Tools = e.CodeTools
		if e.Instructions != "" {
			conv.System += "\n\n" + e.Instructions
		}
	default:
		return nil, fmt.Errorf("unknown strategy %q", strategy)
	}
	rp := &Replayer{Counter: c}
	var answer string
	for turn := 0; ; turn++ {
		if turn >= maxTurns {
			run.CheckError = fmt.Sprintf("no answer within %d turns", maxTurns)
			break
		}
		t := Turn{Input: c.Input(conv), SchemaTokens: c.Tools(conv.Tools)}
		start := time.Now()
		reply, usage, err := l.Provider.Complete(ctx, conv)
		t.ModelMs = ms(time.Since(start))
		if err != nil {
			return nil, fmt.Errorf("task %s (%s), turn %d: %w", tk.ID, strategy, turn, err)
		}
		t.Output = c.Reply(reply)
		if usage.Input > 0 {
			t.Input = usage.Input
		}
		if usage.Output > 0 {
			t.Output = usage.Output
		}
		t.Calls = len(reply.ToolCalls)
		conv.Messages = append(conv.Messages, reply)
		if len(reply.ToolCalls) == 0 {
			run.Turns = append(run.Turns, t)
			answer = reply.Content
			break
		}
		names := make([]string, len(reply.ToolCalls))
		args := make([]any, len(reply.ToolCalls))
		for i, tc := range reply.ToolCalls {
			names[i] = tc.Name
			a := tc.Arguments
			if len(a) == 0 {
				a = json.RawMessage("{}")
			}
			args[i] = a
		}
		res, tm, err := rp.round(ctx, e, names, args)
		if err != nil {
			return nil, fmt.Errorf("task %s (%s), turn %d: %w", tk.ID, strategy, turn, err)
		}
		t.Measured = tm
		for i, r := range res {
			conv.Messages = append(conv.Messages, Message{Role: RoleTool, ToolCallID: reply.ToolCalls[i].ID, Content: r.text})
			t.ResultBytes += len(r.text)
			switch names[i] {
			case "execute_code":
				var out struct{ Calls []json.RawMessage }
				_ = json.Unmarshal(r.structured, &out)
				run.ToolCalls += len(out.Calls)
			case "search_tools", "describe_tools":
				if strategy == Search && names[i] == "search_tools" {
					var out struct{ Tools []struct{ Name string } }
					_ = json.Unmarshal(r.structured, &out)
					for _, h := range out.Tools {
						if d, ok := e.ToolNamed(passName(h.Name)); ok && !slices.ContainsFunc(conv.Tools, func(x ToolDef) bool { return x.Name == d.Name }) {
							conv.Tools = append(slices.Clone(conv.Tools), d)
						}
					}
				}
			default:
				run.ToolCalls++
			}
		}
		run.Turns = append(run.Turns, t)
	}
	run.finish(CostModel{})
	if run.CheckError == "" {
		ans := extractJSON(answer)
		if ans == nil {
			run.CheckError = "the final answer holds no JSON object"
		} else if err := tk.Check(ans); err != nil {
			run.CheckError = err.Error()
		} else {
			run.Correct = true
		}
	}
	return run, nil
}

// extractJSON returns the first JSON object in s (models often wrap their
// answer in prose or a code fence).
func extractJSON(s string) json.RawMessage {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(s[i:]))
		var v json.RawMessage
		if err := dec.Decode(&v); err == nil {
			return v
		}
	}
	return nil
}
