package bench

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/cemcp/cemcp/internal/distractors"
	"github.com/cemcp/cemcp/internal/tokens"
)

// minimalArgs fills a schema's required properties with small values.
func minimalArgs(schema map[string]any) map[string]any {
	out := map[string]any{}
	props, _ := schema["properties"].(map[string]any)
	req, _ := schema["required"].([]any)
	for _, r := range req {
		name, _ := r.(string)
		p, _ := props[name].(map[string]any)
		switch p["type"] {
		case "integer", "number":
			out[name] = 1
		case "boolean":
			out[name] = true
		case "array":
			out[name] = []any{}
		case "object":
			out[name] = minimalArgs(p)
		default:
			out[name] = "x1"
			if en, ok := p["enum"].([]any); ok && len(en) > 0 {
				out[name] = en[0]
			}
		}
	}
	return out
}

// TestCalibration re-measures BytesPerToken on the 1,000-tool distractor
// catalog and fails when a constant is off by more than 5 %.
func TestCalibration(t *testing.T) {
	e := startEnv(t, Setup{Distractors: 1000})
	ctx := context.Background()
	specs := distractors.Specs(1000, DistractorSeed)
	var jb, jt, tb, tt, cb, ct int
	for i, s := range specs {
		if i >= 8 {
			break
		}
		var names []string
		for _, ts := range s.Tools {
			name := s.Name
			if _, ok := e.ToolNamed(name + "__" + ts.Name); !ok {
				name = "x_" + name
			}
			names = append(names, name+"."+ts.Name)
			r, err := callTool(ctx, e.Session, name+"__"+ts.Name, minimalArgs(ts.InputSchema))
			if err != nil || r.isError {
				continue
			}
			jb, jt = jb+len(r.text), jt+tokens.Count(r.text)
			sr := e.GW.Search(ts.Title, SearchLimit)
			var text string
			for _, h := range sr.Tools {
				text += h.Name + " — " + h.Summary + "\n"
			}
			tb, tt = tb+len(text), tt+tokens.Count(text)
		}
		d, err := e.GW.Describe(names, "typescript")
		if err != nil {
			t.Fatal(err)
		}
		cb, ct = cb+len(d.Declarations), ct+tokens.Count(d.Declarations)
	}
	got := map[string]float64{KindJSON: float64(jb) / float64(jt), KindText: float64(tb) / float64(tt), KindCode: float64(cb) / float64(ct)}
	b, _ := json.Marshal(got)
	t.Logf("bytes per token: %s", b)
	for k, v := range got {
		if math.Abs(v-BytesPerToken[k])/v > 0.05 {
			t.Errorf("%s: measured %.2f bytes/token, the model uses %.2f", k, v, BytesPerToken[k])
		}
	}
}
