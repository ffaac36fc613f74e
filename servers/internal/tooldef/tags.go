package tooldef

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Add registers h as tool name with annotations chosen by eff and an input
// schema inferred from In, refined by the enum, minimum, maximum, minLength,
// maxLength, maxItems and default struct tags (see Constrain). A malformed
// tag is a programmer error and panics at registration, never at call time.
func Add[In, Out any](s *mcp.Server, eff Effect, name, title, desc string, h mcp.ToolHandlerFor[In, Out]) {
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("tool %s: input schema: %v", name, err))
	}
	if err := Constrain(in, reflect.TypeFor[In]()); err != nil {
		panic(fmt.Sprintf("tool %s: input schema: %v", name, err))
	}
	mcp.AddTool(s, &mcp.Tool{Name: name, Description: desc, InputSchema: in, Annotations: Annotations(eff, title)}, h)
}

// Constrain copies the constraint tags of type t onto schema s, recursing
// into nested structs and slices.
func Constrain(s *jsonschema.Schema, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if s.Items != nil {
			return Constrain(s.Items, t.Elem())
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
			if err := Constrain(ps, f.Type); err != nil {
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
