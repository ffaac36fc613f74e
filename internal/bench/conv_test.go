package bench

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/tokens"
)

// TestKnownConversation: a small conversation whose count is worked out by
// hand from its segments.
func TestKnownConversation(t *testing.T) {
	c := &Counter{}
	tool := ToolDef{Name: "weather__now", Description: "Current weather.", Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}
	call := ToolCall{ID: "c1", Name: "weather__now", Arguments: json.RawMessage(`{"city":"Oslo"}`)}
	conv := Conversation{
		System: "Be brief.",
		Tools:  []ToolDef{tool},
		Messages: []Message{
			{Role: RoleUser, Content: "Weather in Oslo?"},
			{Role: RoleAssistant, ToolCalls: []ToolCall{call}},
			{Role: RoleTool, ToolCallID: "c1", Content: `{"temp":3}`},
		},
	}
	// The segments, as o200k_base splits them.
	if got := tool.JSON(); got != `{"name":"weather__now","description":"Current weather.","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}` {
		t.Fatalf("tool JSON = %s", got)
	}
	if got := call.JSON(); got != `{"name":"weather__now","arguments":{"city":"Oslo"}}` {
		t.Fatalf("call JSON = %s", got)
	}
	counts := map[string]int{"Be brief.": 3, "Weather in Oslo?": 4, `{"temp":3}`: 5, "system": 1, "user": 1, "assistant": 1, "tool": 1}
	for s, want := range counts {
		if got := tokens.Count(s); got != want {
			t.Errorf("tokens(%q) = %d, want %d", s, got, want)
		}
	}
	toolTok, callTok := tokens.Count(tool.JSON()), tokens.Count(call.JSON())
	if toolTok != 27 || callTok != 14 {
		t.Errorf("tool %d tokens, call %d tokens; want 27 and 14", toolTok, callTok)
	}
	// primer 3 + tool 27 + system (3+1+3) + user (3+1+4) + assistant (3+1+14) + tool (3+1+5)
	if got, want := c.Input(conv), 3+27+7+8+18+9; got != want {
		t.Errorf("Input = %d, want %d", got, want)
	}
	if got := c.Reply(conv.Messages[1]); got != 14 {
		t.Errorf("Reply = %d, want 14", got)
	}
	if got := c.Reply(Message{Role: RoleAssistant, Content: "Weather in Oslo?"}); got != 4 {
		t.Errorf("Reply(text) = %d, want 4", got)
	}
	// Cached counts equal fresh ones.
	if c.Input(conv) != (&Counter{}).Input(conv) {
		t.Error("cached count differs")
	}
}

func TestUnionLen(t *testing.T) {
	t0 := time.Unix(0, 0)
	at := func(a, b int) interval {
		return interval{start: t0.Add(time.Duration(a) * time.Millisecond), end: t0.Add(time.Duration(b) * time.Millisecond)}
	}
	for _, c := range []struct {
		ivs  []interval
		want time.Duration
	}{
		{nil, 0},
		{[]interval{at(0, 10)}, 10 * time.Millisecond},
		{[]interval{at(0, 10), at(5, 15)}, 15 * time.Millisecond},
		{[]interval{at(20, 30), at(0, 10), at(2, 3)}, 20 * time.Millisecond},
		{[]interval{at(0, 10), at(10, 12)}, 12 * time.Millisecond},
	} {
		if got := unionLen(c.ivs); got != c.want {
			t.Errorf("unionLen(%v) = %v, want %v", c.ivs, got, c.want)
		}
	}
}

func TestPredictFormula(t *testing.T) {
	old := BytesPerToken
	BytesPerToken = map[string]float64{KindJSON: 1, KindText: 1, KindCode: 1}
	defer func() { BytesPerToken = old }()
	s := Sizes{System: 10, Request: 20, SchemaTokens: 100, AnswerBytes: 7, Exchanges: []Exchange{
		{Calls: 2, CallBytes: 30, CallKind: KindJSON, ResultBytes: 200, ResultKind: KindJSON},
		{Calls: 1, CallBytes: 10, CallKind: KindJSON, ResultBytes: 50, ResultKind: KindJSON, LoadTokens: 40},
	}}
	// base = 3 + 100 + (4+10) + (4+20) = 141
	// turn 0: 141; hist += 4 + 30 + 8 + 200 = 242
	// turn 1: 141 + 242 = 383; hist += 4 + 10 + 4 + 50 = 310; base += 40
	// turn 2: 181 + 310 = 491
	p := Predict(s, Coupled)
	if p.Input != 141+383+491 || p.Output != 30+10+7 || p.Turns != 3 {
		t.Errorf("Predict = %+v, want input %d output 47 turns 3", p, 141+383+491)
	}
}

func TestCostModel(t *testing.T) {
	c := CostModel{PrefillTPS: 1000, DecodeTPS: 50, TurnOverheadMs: 200}
	if got := c.TurnMs(2000, 100); math.Abs(got-(200+2000+2000)) > 1e-9 {
		t.Errorf("TurnMs = %v, want 4200", got)
	}
}

func TestLinfit(t *testing.T) {
	s, b, r2 := linfit([]float64{1, 2, 3, 4}, []float64{5, 7, 9, 11})
	if math.Abs(s-2) > 1e-9 || math.Abs(b-3) > 1e-9 || math.Abs(r2-1) > 1e-9 {
		t.Errorf("linfit = %v %v %v", s, b, r2)
	}
}
