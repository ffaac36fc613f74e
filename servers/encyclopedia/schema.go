package encyclopedia

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// effect classifies what a tool does to the server's state; it selects the
// MCP annotation hints.
type effect int

const (
	readOnly        effect = iota // reads only
	additive                      // creates new records; repeating creates more
	idempotentWrite               // sets state; repeating changes nothing
	destructive                   // deletes data; repeating changes nothing more
)

// addTool registers h as tool name with full annotations and an input schema
// inferred from In, refined by the enum, minimum, maximum, minLength,
// maxLength, maxItems and default struct tags (see constrain). A malformed
// tag is a programmer error and panics at registration, never at call time.
func addTool[In, Out any](s *mcp.Server, eff effect, name, title, desc string, h mcp.ToolHandlerFor[In, Out]) {
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("tool %s: input schema: %v", name, err))
	}
	if err := constrain(in, reflect.TypeFor[In]()); err != nil {
		panic(fmt.Sprintf("tool %s: input schema: %v", name, err))
	}
	yes, no := true, false
	ann := &mcp.ToolAnnotations{Title: title, OpenWorldHint: &no, DestructiveHint: &no}
	switch eff {
	case readOnly:
		ann.ReadOnlyHint, ann.IdempotentHint = true, true
	case idempotentWrite:
		ann.IdempotentHint = true
	case destructive:
		ann.DestructiveHint, ann.IdempotentHint = &yes, true
	}
	mcp.AddTool(s, &mcp.Tool{Name: name, Description: desc, InputSchema: in, Annotations: ann}, h)
}

// constrain copies constraint tags of struct type t onto schema s, recursing
// into nested structs and slices.
func constrain(s *jsonschema.Schema, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if s.Items != nil {
			return constrain(s.Items, t.Elem())
		}
	case reflect.Struct:
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" || !f.IsExported() {
				continue
			}
			ps := s.Properties[name]
			if ps == nil {
				continue
			}
			if err := tagConstraints(ps, f.Tag); err != nil {
				return fmt.Errorf("field %s: %w", f.Name, err)
			}
			if err := constrain(ps, f.Type); err != nil {
				return err
			}
		}
	}
	return nil
}

func tagConstraints(ps *jsonschema.Schema, tag reflect.StructTag) error {
	if v, ok := tag.Lookup("enum"); ok {
		for _, e := range strings.Split(v, ",") {
			ps.Enum = append(ps.Enum, e)
		}
	}
	for key, dst := range map[string]**float64{"minimum": &ps.Minimum, "maximum": &ps.Maximum} {
		if v, ok := tag.Lookup(key); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fmt.Errorf("%s tag: %w", key, err)
			}
			*dst = &f
		}
	}
	for key, dst := range map[string]**int{"minLength": &ps.MinLength, "maxLength": &ps.MaxLength, "maxItems": &ps.MaxItems} {
		if v, ok := tag.Lookup(key); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s tag: %w", key, err)
			}
			*dst = &n
		}
	}
	if v, ok := tag.Lookup("default"); ok {
		if !json.Valid([]byte(v)) {
			return fmt.Errorf("default tag %q is not JSON", v)
		}
		ps.Default = json.RawMessage(v)
	}
	return nil
}
