package static

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cemcp/cemcp/internal/transpile"
)

// program200 builds a realistic TypeScript program of about 200 lines
// from the benign corpus, each program wrapped in its own async function.
func program200(tb testing.TB) string {
	ar := readArchive(tb, "testdata/js_benign.txtar")
	var b strings.Builder
	n, i := 0, 0
	for n < 200 {
		for _, f := range ar.files {
			if !strings.HasSuffix(f.name, ".ts") || n >= 200 {
				continue
			}
			part := fmt.Sprintf("async function part%d() {\n%s}\n", i, f.data)
			b.WriteString(part)
			n += strings.Count(part, "\n")
			i++
		}
	}
	b.WriteString(fmt.Sprintf("return await Promise.all([%s]);\n", calls(i)))
	return b.String()
}

func calls(n int) string {
	var parts []string
	for i := 0; i < n; i++ {
		parts = append(parts, fmt.Sprintf("part%d()", i))
	}
	return strings.Join(parts, ", ")
}

func BenchmarkAnalyzeJS200(b *testing.B) {
	code := program200(b)
	js, rerr := transpile.Program(code, transpile.TypeScript)
	b.Logf("program: %d lines", strings.Count(code, "\n"))
	if rerr != nil {
		b.Fatalf("transpile: %v", rerr)
	}
	if rep := AnalyzeJS(js, tools); rep.Denied() {
		b.Fatalf("benchmark program denied: %+v", rep.Findings)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		AnalyzeJS(js, tools)
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds()), "p95-µs")
}

func BenchmarkAnalyzePython(b *testing.B) {
	requirePython(b)
	code := "import json\nfor c in ['a', 'b']:\n    r = tools.weather.get_forecast({'city': c})\n    print(json.dumps(r))\n"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := AnalyzePython(b.Context(), code, tools); err != nil {
			b.Fatal(err)
		}
	}
}
