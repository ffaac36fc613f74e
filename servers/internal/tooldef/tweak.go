package tooldef

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A Tweak refines one inferred property schema.
type Tweak func(*jsonschema.Schema)

// Tweaks maps property names to the tweaks applied to them.
type Tweaks = map[string][]Tweak

// Enum restricts a property (or the items of an array property) to vals.
func Enum[T any](vals ...T) Tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		for _, v := range vals {
			s.Enum = append(s.Enum, v)
		}
	}
}

// Between sets an inclusive minimum and maximum (on the items of arrays).
func Between(lo, hi float64) Tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		s.Minimum, s.Maximum = &lo, &hi
	}
}

// AtLeast sets an inclusive minimum (on the items of arrays).
func AtLeast(lo float64) Tweak {
	return func(s *jsonschema.Schema) {
		if s.Items != nil {
			s = s.Items
		}
		s.Minimum = &lo
	}
}

// Default sets the default value applied when the argument is omitted. A
// value that does not marshal to JSON panics.
func Default(v any) Tweak {
	return func(s *jsonschema.Schema) {
		raw, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		s.Default = raw
	}
}

// Items makes a property a non-null array of lo..hi items.
func Items(lo, hi int) Tweak {
	return func(s *jsonschema.Schema) {
		s.Types, s.Type = nil, "array"
		s.MinItems, s.MaxItems = &lo, &hi
	}
}

// Pattern sets a regular expression the string must match.
func Pattern(re string) Tweak {
	return func(s *jsonschema.Schema) { s.Pattern = re }
}

// SchemaFor infers the input schema of In and applies tw by property name.
// A tweak for a property In does not have panics.
func SchemaFor[In any](tw Tweaks) *jsonschema.Schema {
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

// AddPure registers a pure, read-only, closed-world tool whose input schema
// is SchemaFor[In](tw). Errors returned by h become tool error results
// (IsError) carrying the error text, and so does a result that cannot be
// marshalled (NaN or ±Inf).
func AddPure[In, Out any](s *mcp.Server, name, title, desc string, tw Tweaks, h func(context.Context, In) (Out, error)) {
	t := &mcp.Tool{
		Name:        name,
		Description: desc,
		InputSchema: SchemaFor[In](tw),
		Annotations: Annotations(ReadOnly, title),
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
