package bench

import (
	"encoding/json"
	"sync"

	"github.com/cemcp/cemcp/internal/tokens"
)

// ToolDef is one tool as a model sees it in a request: the function
// definition of Chat Completions (name, description, parameters).
type ToolDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`

	text string // JSON(), when computed ahead (see withJSON)
}

// withJSON returns d with its JSON text computed once.
func (d ToolDef) withJSON() ToolDef {
	d.text = ""
	d.text = d.JSON()
	return d
}

// JSON is the compact JSON text of the definition, as counted.
func (d ToolDef) JSON() string {
	if d.text != "" {
		return d.text
	}
	p := d.Parameters
	if len(p) == 0 {
		p = json.RawMessage(`{"type":"object"}`)
	}
	b, _ := json.Marshal(struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		Parameters  json.RawMessage `json:"parameters"`
	}{d.Name, d.Description, p})
	return string(b)
}

// ToolCall is one call an assistant message makes.
type ToolCall struct {
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// JSON is the compact JSON text of the call, as counted.
func (c ToolCall) JSON() string {
	a := c.Arguments
	if len(a) == 0 {
		a = json.RawMessage("{}")
	}
	b, _ := json.Marshal(struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}{c.Name, a})
	return string(b)
}

// Roles of messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	RoleTool      = "tool"
)

// Message is one message of a conversation.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// Conversation is what one turn's request carries: the system prompt, the
// tool definitions and the messages so far.
type Conversation struct {
	System   string
	Tools    []ToolDef
	Messages []Message
}

// Token accounting constants. They follow OpenAI's published recipe for
// counting chat tokens ("How to count tokens with tiktoken", OpenAI
// Cookbook): every message costs its content plus 3 tokens of framing
// (<|start|>role ... <|end|>), and every reply is primed with 3 tokens.
// Tool definitions and tool calls are counted as their compact JSON text.
const (
	MessageOverhead = 3
	ReplyPrimer     = 3
)

// Counter counts tokens of conversations with o200k_base. Texts are counted
// one segment at a time (a message, a tool definition, a tool call), the
// boundaries at which chat templates put special tokens, so a segment's
// count does not depend on its neighbours and is cached. The zero value is
// ready to use; a Counter is safe for concurrent use.
type Counter struct {
	mu   sync.Mutex
	memo map[string]int
}

// Text returns the number of tokens of one segment.
func (c *Counter) Text(s string) int {
	if s == "" {
		return 0
	}
	c.mu.Lock()
	n, ok := c.memo[s]
	c.mu.Unlock()
	if ok {
		return n
	}
	n = tokens.Count(s)
	c.mu.Lock()
	if c.memo == nil {
		c.memo = map[string]int{}
	}
	if len(s) > 64 {
		c.memo[s] = n
	}
	c.mu.Unlock()
	return n
}

// Tools returns the tokens of a set of tool definitions.
func (c *Counter) Tools(ts []ToolDef) int {
	n := 0
	for _, t := range ts {
		n += c.Text(t.JSON())
	}
	return n
}

// Message returns the tokens of one message in a request, framing included.
func (c *Counter) Message(m Message) int {
	return MessageOverhead + c.Text(m.Role) + c.Reply(m)
}

// Reply returns the tokens a model generates for an assistant message: its
// text and the JSON of its tool calls, without framing.
func (c *Counter) Reply(m Message) int {
	n := c.Text(m.Content)
	for _, tc := range m.ToolCalls {
		n += c.Text(tc.JSON())
	}
	return n
}

// Input returns the tokens of one request: the system prompt as a message,
// the tool definitions, every message, and the reply primer.
func (c *Counter) Input(conv Conversation) int {
	n := ReplyPrimer + c.Tools(conv.Tools)
	if conv.System != "" {
		n += c.Message(Message{Role: RoleSystem, Content: conv.System})
	}
	for _, m := range conv.Messages {
		n += c.Message(m)
	}
	return n
}
