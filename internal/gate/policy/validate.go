package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/cemcp/cemcp/internal/catalog"
)

// Validation is the outcome of checking one value against a schema.
type Validation struct {
	// Errors lists every violation, one clear line each, e.g.
	// "args.city: missing required property", "args.days: must be ≤ 14".
	Errors []string
	// Extra lists fields of a result that its output schema does not
	// declare (only for Result; the schema may allow them, but a server
	// adding fields is a sign of structural manipulation, P4.2).
	Extra []string
	// Skipped says why the value was not checked: the schema is missing
	// or does not compile. "" when it was checked.
	Skipped string
}

// OK reports whether the value was checked and had no violations.
func (v Validation) OK() bool { return len(v.Errors) == 0 }

// Validator checks arguments and results against tools' schemas. It
// compiles each schema once and caches it by tool hash. It is safe for
// concurrent use. The zero value is not usable: call NewValidator.
type Validator struct {
	mu    sync.Mutex
	cache map[string]*compiled // guarded by mu
}

type compiled struct {
	schema *jsonschema.Schema // nil when err != nil
	err    error
}

const maxCached = 8192

// NewValidator returns an empty Validator.
func NewValidator() *Validator {
	return &Validator{cache: map[string]*compiled{}}
}

// Args checks a call's arguments (decoded JSON: map[string]any, with
// float64 or json.Number numbers; nil means {}) against the tool's input
// schema. A schema that does not compile skips the check and says why in
// Skipped; it never panics.
func (v *Validator) Args(t *catalog.Tool, args any) Validation {
	if args == nil {
		args = map[string]any{}
	}
	if m, ok := args.(map[string]any); ok && m == nil {
		args = map[string]any{}
	}
	s, skip := v.schema(t, "input", t.InputSchema)
	if s == nil {
		return Validation{Skipped: skip}
	}
	return Validation{Errors: check(s, args, "args")}
}

// Result checks a structured result (decoded JSON) against the tool's
// output schema: violations (a missing required field, a changed type) go in
// Errors, fields the schema does not declare go in Extra. A tool without an
// output schema is skipped.
func (v *Validator) Result(t *catalog.Tool, result any) Validation {
	if len(bytes.TrimSpace(t.OutputSchema)) == 0 || string(bytes.TrimSpace(t.OutputSchema)) == "null" {
		return Validation{Skipped: "the tool has no output schema"}
	}
	s, skip := v.schema(t, "output", t.OutputSchema)
	if s == nil {
		return Validation{Skipped: skip}
	}
	out := Validation{Errors: check(s, result, "result")}
	extras(s, result, "result", &out.Extra, 0)
	return out
}

// schema returns the compiled schema, or nil and why.
func (v *Validator) schema(t *catalog.Tool, which string, raw []byte) (*jsonschema.Schema, string) {
	key := which + ":" + t.Hash
	if t.Hash == "" {
		sum := sha256.Sum256(raw)
		key = which + ":raw:" + hex.EncodeToString(sum[:])
	}
	v.mu.Lock()
	c, ok := v.cache[key]
	v.mu.Unlock()
	if !ok {
		c = compile(t.Qualified, which, raw)
		v.mu.Lock()
		if len(v.cache) >= maxCached {
			clear(v.cache)
		}
		v.cache[key] = c
		v.mu.Unlock()
	}
	if c.err != nil {
		return nil, oneLine(fmt.Sprintf("the %s schema of %s does not compile: %v", which, t.Qualified, c.err))
	}
	return c.schema, ""
}

// noLoader refuses every external reference: a schema from an upstream must
// not make the gateway fetch URLs or read files.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external reference %q is not loaded", url)
}

func compile(name, which string, raw []byte) (c *compiled) {
	defer func() {
		if r := recover(); r != nil { // the library must never take the gateway down
			c = &compiled{err: fmt.Errorf("compiler panic: %v", r)}
		}
	}()
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return &compiled{err: fmt.Errorf("invalid JSON: %w", err)}
	}
	url := "mem:///" + which + ".json"
	comp := jsonschema.NewCompiler()
	comp.UseLoader(noLoader{})
	if err := comp.AddResource(url, doc); err != nil {
		return &compiled{err: err}
	}
	s, err := comp.Compile(url)
	if err != nil {
		return &compiled{err: err}
	}
	return &compiled{schema: s}
}

// check validates v and returns every violation as "path: message", sorted.
func check(s *jsonschema.Schema, v any, root string) []string {
	err := s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []string{root + ": " + err.Error()}
	}
	var out []string
	leaves(ve, root, &out)
	sort.Strings(out)
	return dedup(out)
}

func leaves(e *jsonschema.ValidationError, root string, out *[]string) {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			leaves(c, root, out)
		}
		return
	}
	at := path(root, e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, path(at, []string{m})+": missing required property")
		}
	case *kind.AdditionalProperties:
		for _, m := range k.Properties {
			*out = append(*out, path(at, []string{m})+": property not allowed")
		}
	case *kind.Type:
		*out = append(*out, fmt.Sprintf("%s: must be %s, got %s", at, strings.Join(k.Want, " or "), k.Got))
	case *kind.Maximum:
		*out = append(*out, fmt.Sprintf("%s: must be ≤ %s", at, rat(k.Want)))
	case *kind.Minimum:
		*out = append(*out, fmt.Sprintf("%s: must be ≥ %s", at, rat(k.Want)))
	case *kind.ExclusiveMaximum:
		*out = append(*out, fmt.Sprintf("%s: must be < %s", at, rat(k.Want)))
	case *kind.ExclusiveMinimum:
		*out = append(*out, fmt.Sprintf("%s: must be > %s", at, rat(k.Want)))
	case *kind.MaxLength:
		*out = append(*out, fmt.Sprintf("%s: must be at most %d characters", at, k.Want))
	case *kind.MinLength:
		*out = append(*out, fmt.Sprintf("%s: must be at least %d characters", at, k.Want))
	case *kind.MaxItems:
		*out = append(*out, fmt.Sprintf("%s: must have at most %d items", at, k.Want))
	case *kind.MinItems:
		*out = append(*out, fmt.Sprintf("%s: must have at least %d items", at, k.Want))
	case *kind.Enum:
		*out = append(*out, fmt.Sprintf("%s: must be one of %s", at, jsonList(k.Want)))
	case *kind.Const:
		*out = append(*out, fmt.Sprintf("%s: must be %s", at, jsonList([]any{k.Want})))
	case *kind.FalseSchema:
		*out = append(*out, at+": not allowed")
	default:
		*out = append(*out, at+": "+kindMessage(e))
	}
}

// kindMessage is the library's own English message for an error.
func kindMessage(e *jsonschema.ValidationError) string {
	u := (&jsonschema.ValidationError{ErrorKind: e.ErrorKind, SchemaURL: e.SchemaURL}).BasicOutput()
	if u.Error != nil {
		return u.Error.String()
	}
	for _, x := range u.Errors {
		if x.Error != nil {
			return x.Error.String()
		}
	}
	return "invalid value"
}

func jsonList(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

// oneLine joins a multi-line message into one line.
func oneLine(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}

func rat(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

var identRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// path appends JSON-pointer tokens to a JavaScript-like path:
// args.a[0]["b c"].
func path(root string, toks []string) string {
	var sb strings.Builder
	sb.WriteString(root)
	for _, t := range toks {
		switch {
		case isIndex(t):
			sb.WriteString("[" + t + "]")
		case identRE.MatchString(t):
			sb.WriteString("." + t)
		default:
			sb.WriteString("[" + strconv.Quote(t) + "]")
		}
	}
	return sb.String()
}

func isIndex(s string) bool {
	if s == "" || len(s) > 9 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func dedup(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// composite reports whether v is an object or an array: only those can
// hold undeclared fields.
func composite(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// extras appends the paths of object fields that the schema does not
// declare (in properties or patternProperties), following properties,
// items and $ref. Schemas that combine others (allOf, anyOf, oneOf) are not
// followed: their fields are not reported.
func extras(s *jsonschema.Schema, v any, at string, out *[]string, depth int) {
	if s == nil || depth > 32 {
		return
	}
	for s.Ref != nil && len(s.Properties) == 0 && s.Items2020 == nil && depth < 32 {
		s = s.Ref
		depth++
	}
	if len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) > 0 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		if s.Properties == nil && len(s.PatternProperties) == 0 {
			return // a free-form object
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := s.Properties[k]; ok {
				if composite(v[k]) {
					extras(ps, v[k], path(at, []string{k}), out, depth+1)
				}
				continue
			}
			matched := false
			for re := range s.PatternProperties {
				if re.MatchString(k) {
					matched = true
					break
				}
			}
			if !matched {
				*out = append(*out, path(at, []string{k}))
			}
		}
	case []any:
		items := s.Items2020
		if items == nil {
			if is, ok := s.Items.(*jsonschema.Schema); ok {
				items = is
			}
		}
		for i, x := range v {
			if !composite(x) {
				continue // a scalar has no fields
			}
			if i < len(s.PrefixItems) {
				extras(s.PrefixItems[i], x, path(at, []string{strconv.Itoa(i)}), out, depth+1)
			} else if items != nil {
				extras(items, x, path(at, []string{strconv.Itoa(i)}), out, depth+1)
			}
		}
	}
}
