package tasks

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// approx is an expected number with its own absolute tolerance.
type approx struct {
	V   float64
	Tol float64
}

func (a approx) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]float64{"$approx": a.V, "$tol": a.Tol})
}

// anyOf accepts any one of several expected values (ties).
type anyOf []any

func (a anyOf) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]any{"$anyOf": a})
}

// setOf expects an array with these elements in any order.
type setOf []any

func (s setOf) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string][]any{"$set": s})
}

// expect returns a checker: compute gives the expected fields of the answer
// (computed from the data when the checker runs); the answer must be a JSON
// object with at least those fields, matching.
func expect(compute func() (map[string]any, error)) func(json.RawMessage) error {
	return func(answer json.RawMessage) error {
		want, err := compute()
		if err != nil {
			return fmt.Errorf("compute expected answer: %w", err)
		}
		return match(answer, want)
	}
}

// match compares an answer with the expected fields.
func match(answer json.RawMessage, want map[string]any) error {
	var got any
	if err := json.Unmarshal(answer, &got); err != nil {
		return fmt.Errorf("answer is not JSON: %w", err)
	}
	wb, err := json.Marshal(want)
	if err != nil {
		return fmt.Errorf("encode expected answer: %w", err)
	}
	var w any
	if err := json.Unmarshal(wb, &w); err != nil {
		return err
	}
	return compare("answer", got, w)
}

func compare(path string, got, want any) error {
	if m, ok := want.(map[string]any); ok {
		if v, ok := m["$approx"]; ok {
			return compareNumber(path, got, v.(float64), m["$tol"].(float64))
		}
		if alts, ok := m["$anyOf"]; ok {
			var errs []string
			for _, alt := range alts.([]any) {
				err := compare(path, got, alt)
				if err == nil {
					return nil
				}
				errs = append(errs, err.Error())
			}
			return fmt.Errorf("%s: none of the accepted values matched: %s", path, strings.Join(errs, "; "))
		}
		if set, ok := m["$set"]; ok {
			return compareSet(path, got, set.([]any))
		}
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an object", path, short(got))
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing field %q (have %s)", path, k, short(got))
			}
			if err := compare(path+"."+k, gv, m[k]); err != nil {
				return err
			}
		}
		return nil
	}
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Errorf("%s: got %s, want null", path, short(got))
		}
	case float64:
		return compareNumber(path, got, w, 1e-6*math.Max(1, math.Abs(w)))
	case string:
		g, ok := got.(string)
		if !ok || !strings.EqualFold(strings.TrimSpace(g), strings.TrimSpace(w)) {
			return fmt.Errorf("%s: got %s, want %q", path, short(got), w)
		}
	case bool:
		if got != w {
			return fmt.Errorf("%s: got %s, want %v", path, short(got), w)
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Errorf("%s: got %s, want an array of %d", path, short(got), len(w))
		}
		if len(g) != len(w) {
			return fmt.Errorf("%s: got %d elements, want %d (got %s)", path, len(g), len(w), short(got))
		}
		for i := range w {
			if err := compare(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func compareNumber(path string, got any, want, tol float64) error {
	g, ok := got.(float64)
	if !ok {
		return fmt.Errorf("%s: got %s, want %v", path, short(got), want)
	}
	if math.Abs(g-want) > tol {
		return fmt.Errorf("%s: got %v, want %v (±%g)", path, g, want, tol)
	}
	return nil
}

func compareSet(path string, got any, want []any) error {
	g, ok := got.([]any)
	if !ok {
		return fmt.Errorf("%s: got %s, want an array of %d", path, short(got), len(want))
	}
	if len(g) != len(want) {
		return fmt.Errorf("%s: got %d elements, want %d (got %s)", path, len(g), len(want), short(got))
	}
	used := make([]bool, len(g))
outer:
	for _, w := range want {
		for i, gv := range g {
			if !used[i] && compare(path, gv, w) == nil {
				used[i] = true
				continue outer
			}
		}
		return fmt.Errorf("%s: no element matches %s (got %s)", path, short(w), short(got))
	}
	return nil
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// expectOneOf is expect for answers with ties: the answer must match one of
// the alternatives compute returns.
func expectOneOf(compute func() ([]map[string]any, error)) func(json.RawMessage) error {
	return func(answer json.RawMessage) error {
		alts, err := compute()
		if err != nil {
			return fmt.Errorf("compute expected answer: %w", err)
		}
		if len(alts) == 0 {
			return fmt.Errorf("no expected answer could be computed")
		}
		var errs []string
		for _, want := range alts {
			err := match(answer, want)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("answer matches none of %d accepted answers: %s", len(alts), strings.Join(errs, " | "))
	}
}
