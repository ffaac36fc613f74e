package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// This file is the same in every bundled server of this family: a compact
// way to register a read-only tool whose input schema, inferred from its In
// struct, is refined with enums, bounds and defaults.

// A tweak refines one inferred property schema.
type tweak func(*jsonschema.Schema)

// enum restricts a property (or the items of an array property) to vals.
func enum[T any](vals ...T) tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		for _, v := range vals {
			s.Enum = append(s.Enum, v)
		}
	}
}

// between sets an inclusive minimum and maximum (on the items of arrays).
func between(lo, hi float64) tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		s.Minimum, s.Maximum = &lo, &hi
	}
}

// atLeast sets an inclusive minimum.
func atLeast(lo float64) tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		s.Minimum = &lo
	}
}

// def sets the default value applied when the argument is omitted.
func def(v any) tweak {
	return func(s *jsonschema.Schema) {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		s.Default = raw
	}
}

// items makes a property a non-null array of lo..hi items.
func items(lo, hi int) tweak {
	return func(s *jsonschema.Schema) {
		s.Types, s.Type = nil, "array"
		s.MinItems, s.MaxItems = &lo, &hi
	}
}

// pattern sets a regular expression the string must match.
func pattern(re string) tweak {
	return func(s *jsonschema.Schema) { s.Pattern = re }
}

// schemaFor infers the input schema of In and applies tw by property name.
func schemaFor[In any](tw map[string][]tweak) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("infer schema: %v", err))
	}
	for name, ts := range tw {
		p, ok := s.Properties[name]
		if !ok {
			panic(fmt.Sprintf("schema tweak for unknown property %q", name))
		}
		for _, t := range ts {
			t(p)
		}
	}
	return s
}

// addTool registers a pure, read-only, closed-world tool. Errors returned by
// h become tool error results (IsError) carrying the error text.
func addTool[In, Out any](s *mcp.Server, name, title, desc string, tw map[string][]tweak, h func(context.Context, In) (Out, error)) {
	no := false
	t := &mcp.Tool{
		Name:        name,
		Description: desc,
		InputSchema: schemaFor[In](tw),
		Annotations: &mcp.ToolAnnotations{
			Title:           title,
			ReadOnlyHint:    true,
			IdempotentHint:  true,
			DestructiveHint: &no,
			OpenWorldHint:   &no,
		},
	}
	mcp.AddTool(s, t, func(ctx context.Context, _ *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		out, err := h(ctx, in)
		if err != nil {
			var zero Out
			return nil, zero, err
		}
		if _, err := json.Marshal(out); err != nil {
			// NaN or ±Inf slipped through: report it rather than fail the protocol.
			var zero Out
			return nil, zero, errors.New("the result is not a finite number (overflow or undefined operation); check the arguments")
		}
		return nil, out, nil
	})
}

// suggest returns the candidates closest to s (edit distance, case-folded),
// best first, at most n of them, and only plausible ones.
func suggest(s string, candidates []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	ls := strings.ToLower(s)
	var sc []scored
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(ls, lc)
		if strings.Contains(lc, ls) && len(ls) >= 3 {
			d = min(d, 1)
		}
		if d <= max(2, len(ls)/3) {
			sc = append(sc, scored{c, d})
		}
	}
	slices.SortStableFunc(sc, func(a, b scored) int { return a.d - b.d })
	var out []string
	for i := 0; i < len(sc) && i < n; i++ {
		out = append(out, sc[i].name)
	}
	return out
}

// didYouMean formats suggest's answer as a sentence fragment ("; did you mean X?").
func didYouMean(s string, candidates []string) string {
	sg := suggest(s, candidates, 3)
	if len(sg) == 0 {
		return ""
	}
	return "; did you mean " + strings.Join(sg, " or ") + "?"
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
