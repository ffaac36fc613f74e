package policy

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cemcp/cemcp/internal/catalog"
)

const forecastIn = `{
  "type": "object",
  "properties": {
    "city":  {"type": "string", "minLength": 1},
    "days":  {"type": "integer", "minimum": 1, "maximum": 14},
    "units": {"enum": ["metric", "imperial"]},
    "stops": {"type": "array", "maxItems": 3, "items": {
      "type": "object", "properties": {"name": {"type": "string"}, "lat": {"type": "number", "exclusiveMaximum": 90}},
      "required": ["name"]}}
  },
  "required": ["city"],
  "additionalProperties": false
}`

const forecastOut = `{
  "type": "object",
  "properties": {
    "city": {"type": "string"},
    "temps": {"type": "array", "items": {"type": "object", "properties": {"day": {"type": "integer"}, "max": {"type": "number"}}}},
    "meta": {"type": "object"},
    "tags": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}}
  },
  "required": ["city", "temps"]
}`

func tool(name, in, out string) *catalog.Tool {
	t := &catalog.Tool{Server: "weather", Name: name, Qualified: "weather." + name, InputSchema: json.RawMessage(in), Hash: name + "-hash"}
	if out != "" {
		t.OutputSchema = json.RawMessage(out)
	}
	return t
}

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestValidateArgs(t *testing.T) {
	v := NewValidator()
	fc := tool("get_forecast", forecastIn, "")
	tests := []struct {
		name string
		tool *catalog.Tool
		args string
		want Validation
	}{
		{"valid", fc, `{"city":"Oslo","days":3,"units":"metric"}`, Validation{}},
		{"every problem listed", fc, `{"days":30,"units":"kelvin","extra":1,"stops":[{"lat":91},{"name":7},{"name":"a"},{"name":"b"}]}`, Validation{Errors: []string{
			"args.city: missing required property",
			"args.days: must be ≤ 14",
			"args.extra: property not allowed",
			"args.stops: must have at most 3 items",
			"args.stops[0].lat: must be < 90",
			"args.stops[0].name: missing required property",
			"args.stops[1].name: must be string, got number",
			`args.units: must be one of "metric", "imperial"`,
		}}},
		{"wrong types", fc, `{"city":"","days":"3"}`, Validation{Errors: []string{
			"args.city: must be at least 1 characters",
			"args.days: must be integer, got string",
		}}},
		{"float day", fc, `{"city":"x","days":2.5}`, Validation{Errors: []string{"args.days: must be integer, got number"}}},
		{"below minimum", fc, `{"city":"x","days":0}`, Validation{Errors: []string{"args.days: must be ≥ 1"}}},
		{"odd key", tool("k", `{"type":"object","properties":{"a b":{"type":"string"}}}`, ""), `{"a b":1}`, Validation{Errors: []string{`args["a b"]: must be string, got number`}}},
		{"nil args are {}", fc, `null`, Validation{Errors: []string{"args.city: missing required property"}}},
		{"empty schema accepts anything", tool("any", `{}`, ""), `{"x":[1,{"y":2}]}`, Validation{}},
		{"schema not JSON skipped", tool("bad1", `{"type":`, ""), `{}`, Validation{Skipped: "the input schema of weather.bad1 does not compile: invalid JSON: unexpected EOF"}},
		{"schema invalid skipped", tool("bad2", `{"type":12}`, ""), `{}`, Validation{Skipped: "x"}},
		{"remote $ref not fetched", tool("bad3", `{"$ref":"http://127.0.0.1:1/evil.json"}`, ""), `{}`, Validation{Skipped: "x"}},
		{"local $ref", tool("ref", `{"$defs":{"n":{"type":"integer"}},"type":"object","properties":{"n":{"$ref":"#/$defs/n"}}}`, ""), `{"n":"x"}`,
			Validation{Errors: []string{"args.n: must be integer, got string"}}},
		{"draft-07 schema", tool("d7", `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","required":["q"]}`, ""), `{}`,
			Validation{Errors: []string{"args.q: missing required property"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args any
			if tt.args != "null" {
				args = decodeJSON(t, tt.args)
			}
			got := v.Args(tt.tool, args)
			if tt.want.Skipped == "x" { // any reason
				if got.Skipped == "" || len(got.Errors) > 0 {
					t.Fatalf("got %+v, want skipped", got)
				}
				t.Log(got.Skipped)
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Args (-want +got):\n%s", diff)
			}
			if got.OK() != (len(tt.want.Errors) == 0) {
				t.Errorf("OK() = %v", got.OK())
			}
		})
	}
}

func TestValidateResult(t *testing.T) {
	v := NewValidator()
	fc := tool("get_forecast", forecastIn, forecastOut)
	tests := []struct {
		name   string
		tool   *catalog.Tool
		result string
		want   Validation
	}{
		{"valid", fc, `{"city":"Oslo","temps":[{"day":1,"max":3.5}],"meta":{"anything":1},"tags":{"x-a":"b"}}`, Validation{}},
		{"extra fields flagged", fc, `{"city":"Oslo","temps":[{"day":1,"max":3,"admin":true}],"status":"AUTHORIZED","tags":{"y":"1"}}`,
			Validation{Extra: []string{"result.status", "result.tags.y", "result.temps[0].admin"}}},
		{"type change and missing field", fc, `{"city":42,"temps":"none"}`, Validation{Errors: []string{
			"result.city: must be string, got number", "result.temps: must be array, got string"}}},
		{"missing required", fc, `{"city":"x"}`, Validation{Errors: []string{"result.temps: missing required property"}}},
		{"no output schema", tool("plain", `{}`, ""), `{"a":1}`, Validation{Skipped: "the tool has no output schema"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := v.Result(tt.tool, decodeJSON(t, tt.result))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidatorCacheAndConcurrency(t *testing.T) {
	v := NewValidator()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				tl := tool(fmt.Sprintf("t%d", i%10), forecastIn, forecastOut)
				if got := v.Args(tl, map[string]any{"city": "x", "days": float64(g + 20)}); len(got.Errors) != 1 {
					t.Errorf("errors %v", got.Errors)
					return
				}
				v.Result(tl, map[string]any{"city": "x", "temps": []any{}})
			}
		}()
	}
	wg.Wait()
	if n := len(v.cache); n != 20 {
		t.Errorf("cache has %d schemas, want 20 (10 tools × in/out)", n)
	}
}
