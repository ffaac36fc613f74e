package policy

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate/flow"
)

// fivePolicy is a realistic policy of five rules, none of which matches the
// benchmark's call, so that every rule is evaluated and the defaults decide.
var fivePolicy = rules(
	config.Rule{Name: "no-deletes", When: `server == "files" && tool == "delete_file"`, Effect: Deny},
	config.Rule{Name: "mail-stays", When: `from("mail") && server != "mail"`, Effect: Deny},
	config.Rule{Name: "web-to-world", When: `labels.exists(l, l.server == "web") && annotations.openWorld && !annotations.readOnly`, Effect: Approve},
	config.Rule{Name: "long-forecasts", When: `tool == "get_forecast" && has(args.days) && args.days > 7`, Effect: Deny},
	config.Rule{Name: "busy-run", When: `has(run.calls) && run.calls > 50 && !annotations.readOnly`, Effect: Approve},
)

// observed100KB returns a tracker that has seen 100 KB of order records
// from an untrusted server, and one of the order ids.
func observed100KB() (*flow.Tracker, string) {
	r := rand.New(rand.NewPCG(1, 2))
	var recs []map[string]any
	size := 0
	for size < 100<<10 {
		rec := map[string]any{
			"id":     fmt.Sprintf("ORD-%08d", r.IntN(1e8)),
			"email":  fmt.Sprintf("user%d@example.com", r.IntN(1e5)),
			"amount": float64(r.IntN(1e7)) / 100,
			"note":   strings.Repeat("customer asked about delivery ", 1+r.IntN(3)),
		}
		recs = append(recs, rec)
		b, _ := json.Marshal(rec)
		size += len(b)
	}
	b, _ := json.Marshal(map[string]any{"orders": recs})
	tr := flow.NewTracker(flow.Options{})
	tr.Observe("crm", "orders", false, b)
	return tr, recs[len(recs)/2]["id"].(string)
}

// BenchmarkDecide times what gate.Call does per call: label lookup,
// argument validation and the policy decision, together.
func BenchmarkDecide(b *testing.B) {
	p, err := New(fivePolicy, Options{})
	if err != nil {
		b.Fatal(err)
	}
	v := NewValidator()
	tr, id := observed100KB()
	fc := &catalog.Tool{Server: "weather", Name: "get_forecast", Qualified: "weather.get_forecast", InputSchema: json.RawMessage(forecastIn), Hash: "h1"}
	refund := &catalog.Tool{Server: "shop", Name: "refund", Qualified: "shop.refund", Hash: "h2",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"order":{"type":"string"},"reason":{"type":"string"}},"required":["order"]}`)}
	cases := []struct {
		name string
		tool *catalog.Tool
		ann  Annotations
		args map[string]any
		want string
	}{
		{"read-only-clean", fc, readOnly, map[string]any{"city": "Oslo", "days": 3.0, "units": "metric"}, DefaultReadOnly},
		{"write-labelled", refund, destructive, map[string]any{"order": id, "reason": "customer asked about delivery of " + id}, DefaultUntrustedData},
	}
	session := map[string]any{"id": "s1", "client": "claude-code"}
	run := map[string]any{"id": "r1", "calls": 3.0, "language": "typescript"}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			one := func() Decision {
				labels := tr.LabelsForValue(c.args)
				if val := v.Args(c.tool, c.args); !val.OK() {
					b.Fatal(val.Errors)
				}
				return p.Decide(Input{Server: c.tool.Server, Tool: c.tool.Name, Args: c.args, Annotations: c.ann,
					Trusted: true, Labels: labels, Session: session, Run: run})
			}
			if d := one(); d.Rule != c.want {
				b.Fatalf("decision %+v, want rule %s", d, c.want)
			}
			durs := make([]time.Duration, 0, 1<<16)
			for b.Loop() {
				t0 := time.Now()
				one()
				if len(durs) < cap(durs) {
					durs = append(durs, time.Since(t0))
				}
			}
			reportPercentiles(b, durs)
		})
	}
}

// BenchmarkPolicyOnly times Decide alone with the five rules.
func BenchmarkPolicyOnly(b *testing.B) {
	p, err := New(fivePolicy, Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Server: "weather", Tool: "get_forecast", Args: map[string]any{"city": "Oslo", "days": 3.0}, Annotations: readOnly,
		Labels: []Label{{Server: "crm", Tool: "orders"}}, Run: map[string]any{"calls": 3.0}}
	durs := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		t0 := time.Now()
		p.Decide(in)
		if len(durs) < cap(durs) {
			durs = append(durs, time.Since(t0))
		}
	}
	reportPercentiles(b, durs)
}

func reportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(durs[len(durs)*95/100].Nanoseconds()), "p95-ns")
}

func FuzzValidator(f *testing.F) {
	f.Add(forecastIn, `{"city":"x","days":99}`)
	f.Add(forecastOut, `{"city":1,"temps":[{"x":1}]}`)
	f.Add(`{"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a"}}}`, `1`)
	f.Add(`{"type":"object","patternProperties":{"(":{}}}`, `{}`)
	f.Fuzz(func(t *testing.T, schema, value string) {
		var v any
		if json.Unmarshal([]byte(value), &v) != nil {
			return
		}
		tl := &catalog.Tool{Server: "s", Name: "t", Qualified: "s.t", InputSchema: json.RawMessage(schema), OutputSchema: json.RawMessage(schema)}
		val := NewValidator()
		a := val.Args(tl, v)
		r := val.Result(tl, v)
		if (a.Skipped == "") != (r.Skipped == "") && strings.TrimSpace(schema) != "" && strings.TrimSpace(schema) != "null" {
			t.Errorf("args skipped %q, result skipped %q", a.Skipped, r.Skipped)
		}
	})
}
