package judge

import (
	"context"
	"slices"
	"testing"
	"time"
)

func BenchmarkParseAnswer(b *testing.B) {
	answer := "Looking at the calls.\n```json\n{\"verdict\": \"MISMATCH_INPUTS_INTENT\", \"reason\": \"the program deletes a file the request never named\"}\n```\n"
	b.ReportAllocs()
	for b.Loop() {
		if r := parseAnswer(answer); r.Verdict != MismatchInputsIntent {
			b.Fatal(r)
		}
	}
}

func BenchmarkBuildPost(b *testing.B) {
	j := fixedJudge(b, goldenToken)
	b.ReportAllocs()
	for b.Loop() {
		_ = j.buildPost(postInput)
	}
}

// BenchmarkPreExecution is one whole review against a local server: the
// judge's own overhead, without the model's thinking time.
func BenchmarkPreExecution(b *testing.B) {
	for _, p := range providers {
		b.Run(string(p), func(b *testing.B) {
			f := newFake(b, p, answer(`{"verdict":"SAFE","reason":"ok"}`))
			j := newJudge(b, f, nil)
			ctx := context.Background()
			var lat []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				if r := j.PreExecution(ctx, preInput); !r.Allowed() {
					b.Fatal(r)
				}
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
		})
	}
}
