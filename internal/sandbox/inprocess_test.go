package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// weatherCaller is a real ToolCaller: a tiny weather service and a files
// server whose policy denies everything. It records the calls it receives.
type weatherCaller struct {
	mu    sync.Mutex
	calls []string
}

var forecastMax = map[string]int{"Paris": 20, "Oslo": 12, "Rome": 24, "Lima": 19}

func (w *weatherCaller) CallTool(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
	w.mu.Lock()
	w.calls = append(w.calls, tool+" "+string(args))
	w.mu.Unlock()
	switch tool {
	case "weather.get_forecast":
		var a struct {
			City string `json:"city"`
			Days int    `json:"days"`
		}
		if err := json.Unmarshal(args, &a); err != nil {
			return nil, &ToolError{Server: "weather", Tool: "get_forecast", Code: "invalid_arguments", Message: err.Error()}
		}
		if a.Days == 0 {
			a.Days = 1
		}
		type day struct {
			Date string `json:"date"`
			Max  int    `json:"max"`
		}
		out := struct {
			City string `json:"city"`
			Days []day  `json:"days"`
		}{City: a.City}
		for i := range a.Days {
			out.Days = append(out.Days, day{Date: fmt.Sprintf("2026-06-%02d", i+1), Max: forecastMax[a.City] + i})
		}
		return json.Marshal(out)
	case "files.read":
		var a struct{ Path string }
		_ = json.Unmarshal(args, &a)
		return nil, &ToolError{Server: "files", Tool: "read", Code: "denied", Message: "policy forbids reading " + a.Path}
	}
	return nil, &ToolError{Code: "not_found", Message: "no such tool"}
}

func (w *weatherCaller) got() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

var testRefs = []ToolRef{
	{Qualified: "weather.get_forecast", JSServer: "weather", JSName: "get_forecast"},
	{Qualified: "files.read", JSServer: "files", JSName: "read"},
}

// archive is a txtar file: a comment, then "-- name --" sections.
type archive struct {
	comment string
	names   []string
	files   map[string]string
}

func parseArchive(data string) *archive {
	a := &archive{files: map[string]string{}}
	cur := ""
	var b strings.Builder
	flush := func() {
		if cur == "" {
			a.comment = b.String()
		} else {
			a.names = append(a.names, cur)
			a.files[cur] = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(data, "\n") {
		if t := strings.TrimRight(line, "\n"); strings.HasPrefix(t, "-- ") && strings.HasSuffix(t, " --") && len(t) > 6 {
			flush()
			cur = t[3 : len(t)-3]
			continue
		}
		b.WriteString(line)
	}
	flush()
	return a
}

func (a *archive) format() []byte {
	var b bytes.Buffer
	b.WriteString(a.comment)
	for _, n := range a.names {
		if a.files[n] == "" && n != "program.ts" {
			continue
		}
		fmt.Fprintf(&b, "-- %s --\n%s", n, a.files[n])
		if !strings.HasSuffix(a.files[n], "\n") {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func (a *archive) set(name, content string) {
	if _, ok := a.files[name]; !ok {
		a.names = append(a.names, name)
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	a.files[name] = content
}

// TestInProcessGolden runs every program in testdata/inprocess and compares
// what it printed, returned, failed with and called against the archive.
func TestInProcessGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/inprocess/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	x := NewInProcess(Limits{Timeout: 5 * time.Second}, nil)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(string(data))
			caller := &weatherCaller{}
			req := &Request{
				RunID:    "golden",
				Language: Language(strings.TrimSpace(a.files["language"])),
				Code:     a.files["program.ts"],
				Tools:    testRefs,
			}
			resp, err := x.Execute(context.Background(), req, caller)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{
				"output": resp.Output,
				"value":  string(resp.Result),
			}
			if resp.Error != nil {
				got["error"] = fmt.Sprintf("%s line %d\n%s", kindLimit(resp.Error), resp.Error.Line, resp.Error.Message)
			}
			calls := caller.got()
			slices.Sort(calls)
			got["calls"] = strings.Join(calls, "\n")
			if resp.ToolCalls != len(calls) {
				t.Errorf("ToolCalls = %d, caller saw %d", resp.ToolCalls, len(calls))
			}
			if *update {
				for _, n := range []string{"output", "value", "error", "calls"} {
					a.set(n, got[n])
				}
				if err := os.WriteFile(f, a.format(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, n := range []string{"output", "value", "error", "calls"} {
				want := strings.TrimSuffix(a.files[n], "\n")
				if g := strings.TrimSuffix(got[n], "\n"); g != want {
					t.Errorf("%s:\n%s\nwant:\n%s", n, g, want)
				}
			}
		})
	}
}

func kindLimit(e *RunError) string {
	if e.Limit != "" {
		return e.Kind + "/" + e.Limit
	}
	return e.Kind
}

func TestInProcessLimits(t *testing.T) {
	x := NewInProcess(Limits{Timeout: 5 * time.Second, MaxToolCalls: 100}, nil)
	tests := []struct {
		name   string
		code   string
		limits Limits
		kind   string
		limit  string
		calls  int // the caller must have seen exactly this many
	}{
		{"request timeout overrides default", `while (true) {}`, Limits{Timeout: 100 * time.Millisecond}, "timeout", "time", 0},
		{"call budget from the request", `for (let i = 0; i < 10; i++) await tools.weather.get_forecast({ city: "Oslo" })`, Limits{MaxToolCalls: 2}, "limit", "calls", 2},
		{"call budget from the defaults", `for (let i = 0; i < 200; i++) await tools.weather.get_forecast({ city: "Oslo" })`, Limits{}, "limit", "calls", 100},
		{"stack", `const f = (n: number): number => f(n + 1); f(0)`, Limits{MaxCallDepth: 50}, "limit", "stack", 0},
		{"output", `return "x".repeat(100)`, Limits{MaxOutputBytes: 50}, "limit", "output", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caller := &weatherCaller{}
			start := time.Now()
			resp, err := x.Execute(context.Background(), &Request{Code: tt.code, Tools: testRefs, Limits: tt.limits}, caller)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Error == nil || resp.Error.Kind != tt.kind || resp.Error.Limit != tt.limit {
				t.Fatalf("error = %+v, want %s/%s", resp.Error, tt.kind, tt.limit)
			}
			if n := len(caller.got()); n != tt.calls {
				t.Errorf("caller saw %d calls, want %d", n, tt.calls)
			}
			if tt.kind == "timeout" && time.Since(start) > 3*time.Second {
				t.Errorf("timeout took %s", time.Since(start))
			}
		})
	}
}

func TestInProcessBasics(t *testing.T) {
	var logs bytes.Buffer
	x := NewInProcess(Limits{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if x.Isolated() {
		t.Error("in-process executor claims isolation")
	}
	if !strings.Contains(logs.String(), "NOT isolated") || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no loud warning: %q", logs.String())
	}
	// Output truncation is reported.
	resp, err := x.Execute(context.Background(), &Request{Code: `console.log("é".repeat(100))`, Limits: Limits{MaxOutputBytes: 11}}, nil)
	if err != nil || resp.Error != nil || !resp.Truncated || resp.Output != "ééééé" {
		t.Errorf("resp = %+v, err %v", resp, err)
	}
	// Without a caller, calls fail cleanly.
	resp, _ = x.Execute(context.Background(), &Request{Code: `try { await tools.call("weather.get_forecast", {}) } catch (e) { return e.code }`, Tools: testRefs}, nil)
	if string(resp.Result) != `"unavailable"` {
		t.Errorf("result %s, error %v", resp.Result, resp.Error)
	}
	if err := x.Close(); err != nil {
		t.Error(err)
	}
}

// BenchmarkInProcessExecute measures the whole in-process path of a small
// TypeScript program: transform, run, one tool call.
func BenchmarkInProcessExecute(b *testing.B) {
	x := NewInProcess(Limits{}, nil)
	caller := ToolCallerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(`{"city":"Paris","days":[{"max":21},{"max":27}]}`), nil
	})
	req := &Request{Code: `interface F { days: { max: number }[] }
const r: F = await tools.weather.get_forecast({ city: "Paris", days: 2 });
const hot = r.days.filter(d => d.max > 25).length;
console.log("hot days", hot);
return { hot };`, Tools: testRefs}
	lat := make([]time.Duration, 0, 1024)
	for b.Loop() {
		t0 := time.Now()
		resp, err := x.Execute(context.Background(), req, caller)
		lat = append(lat, time.Since(t0))
		if err != nil || resp.Error != nil {
			b.Fatal(err, resp.Error)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
}
