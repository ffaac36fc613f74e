package tasks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Categories of tasks, by the number of servers they need.
const (
	Single = "single"
	Two    = "two"
	Three  = "three"
)

// Call is one tool call of a plan.
type Call struct {
	Tool string         `json:"tool"` // qualified: "server.tool"
	Args map[string]any `json:"args"`
}

// Server returns the server part of the qualified tool name.
func (c Call) Server() string { s, _, _ := strings.Cut(c.Tool, "."); return s }

// Name returns the tool part of the qualified tool name.
func (c Call) Name() string { _, n, _ := strings.Cut(c.Tool, "."); return n }

// Round is one step of a context-coupled plan: calls that do not depend on
// each other. Calls holds arguments known in advance; Next, when set, derives
// the calls from the results of the earlier rounds (prev[round][call]).
type Round struct {
	Calls []Call
	Next  func(prev [][]json.RawMessage) []Call
}

// Resolve returns the calls of the round given the earlier results.
func (r Round) Resolve(prev [][]json.RawMessage) []Call {
	if r.Next != nil {
		return r.Next(prev)
	}
	return r.Calls
}

// Task is one request with its reference solutions and checker; see the
// package documentation for the format.
type Task struct {
	ID       string
	Category string
	Servers  []string
	Request  string
	Plan     []Round
	Answer   func(results [][]json.RawMessage) json.RawMessage
	Program  string
	Check    func(answer json.RawMessage) error
}

var registry []Task

func add(ts ...Task) { registry = append(registry, ts...) }

// All returns every task, singles first, then two- and three-server tasks.
func All() []Task {
	out := slices.Clone(registry)
	order := map[string]int{Single: 0, Two: 1, Three: 2}
	slices.SortStableFunc(out, func(a, b Task) int { return order[a.Category] - order[b.Category] })
	return out
}

// ByCategory returns the tasks of one category ("single", "two", "three").
func ByCategory(c string) []Task {
	var out []Task
	for _, t := range All() {
		if t.Category == c {
			out = append(out, t)
		}
	}
	return out
}

// Lookup returns the task with the given ID.
func Lookup(id string) (Task, bool) {
	for _, t := range registry {
		if t.ID == id {
			return t, true
		}
	}
	return Task{}, false
}

// Validate checks a task's structure: ID, category matching its servers,
// every planned static call on a listed server, and all functions present.
func (t Task) Validate() error {
	want := map[string]int{Single: 1, Two: 2, Three: 3}
	switch {
	case t.ID == "":
		return fmt.Errorf("task without ID")
	case want[t.Category] == 0:
		return fmt.Errorf("task %s: unknown category %q", t.ID, t.Category)
	case len(t.Servers) != want[t.Category]:
		return fmt.Errorf("task %s: category %s but %d servers", t.ID, t.Category, len(t.Servers))
	case t.Request == "" || t.Program == "" || t.Check == nil || t.Answer == nil || len(t.Plan) == 0:
		return fmt.Errorf("task %s: missing request, plan, answer, program or check", t.ID)
	}
	for i, r := range t.Plan {
		if (r.Next == nil) == (len(r.Calls) == 0) {
			return fmt.Errorf("task %s: round %d needs either Calls or Next", t.ID, i)
		}
		for _, c := range r.Calls {
			if !slices.Contains(t.Servers, c.Server()) {
				return fmt.Errorf("task %s: round %d calls %s, not on a listed server", t.ID, i, c.Tool)
			}
		}
	}
	return nil
}

// call builds one Call.
func call(tool string, args map[string]any) Call { return Call{Tool: tool, Args: args} }

// calls builds a Round of fixed calls.
func calls(cs ...Call) Round { return Round{Calls: cs} }

// next builds a Round whose calls depend on earlier results.
func next(f func(prev [][]json.RawMessage) []Call) Round { return Round{Next: f} }

// args is shorthand for map[string]any.
type args = map[string]any

// dec decodes a tool result into T; a malformed result gives T's zero value,
// which the checker then rejects.
func dec[T any](raw json.RawMessage) T {
	var v T
	_ = json.Unmarshal(raw, &v)
	return v
}

// obj is a generic JSON object.
type obj = map[string]any

// out marshals an answer.
func out(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage(fmt.Sprintf(`{"error": %q}`, err.Error()))
	}
	return b
}
