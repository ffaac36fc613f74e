package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cemcp/cemcp/internal/bench"
	"github.com/cemcp/cemcp/internal/tasks"
)

const benchUsage = `Usage: cemcp bench [--quick] [--out DIR] [flags]
       cemcp bench --config USER.json
       cemcp bench --driver llm --provider openai|anthropic --model NAME [flags]

Measures context-coupled MCP against code mode (the CE-MCP study, arXiv
2602.15945) on the bundled task suite, offline: the replay driver plays each
task's reference solutions through the real gateway and counts, with the
o200k_base tokenizer, the exact requests a model would see each turn. It
sweeps connected servers (1 to 10) and catalog size (distractor tools, up to
2,000). Model latency comes from a cost model (--prefill-tps, --decode-tps,
--turn-ms) and is reported apart from measured time. --out writes
report.json, report.md, CSV files and PNG plots.

With --config it measures your own catalog: what its tool schemas cost a
model on every turn, and what code mode would save.

With --driver llm it runs the same agents against a real model: an
OpenAI-compatible Chat Completions endpoint (--base-url, $OPENAI_BASE_URL,
key $OPENAI_API_KEY) or the Anthropic Messages API ($ANTHROPIC_API_KEY).
`

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", benchUsage, stderr)
	quick := fs.Bool("quick", false, "the CI subset: 9 tasks, fewer sweep points (under 2 minutes)")
	out := fs.String("out", "", "write report.json, report.md, CSV files and plots into this directory")
	cfgPath := fs.String("config", "", "measure this mcpServers config's catalog instead of running the sweep")
	taskIDs := fs.String("tasks", "", "comma-separated task IDs (default: all, or the quick subset)")
	agents := fs.String("agents", "", "comma-separated agents: coupled,search,code (default: all)")
	prefill := fs.Float64("prefill-tps", bench.DefaultCostModel.PrefillTPS, "cost model: input tokens per second")
	decode := fs.Float64("decode-tps", bench.DefaultCostModel.DecodeTPS, "cost model: output tokens per second")
	turnMs := fs.Float64("turn-ms", bench.DefaultCostModel.TurnOverheadMs, "cost model: fixed latency per model turn (ms)")
	serverCounts := fs.String("servers", "", "server sweep points, e.g. 1,2,5,10 (default 1..10)")
	distractorCounts := fs.String("distractors", "", "tool sweep points in distractor tools, e.g. 0,500,2000 (default 0,100,250,500,1000)")
	noProgress := fs.Bool("no-progress", false, "do not draw a progress bar on stderr")
	driver := fs.String("driver", "replay", "replay (the tasks' reference plans, offline) or llm (a real model)")
	provider := fs.String("provider", "", "llm driver: openai (Chat Completions compatible) or anthropic")
	model := fs.String("model", "", "llm driver: the model name")
	baseURL := fs.String("base-url", "", "llm driver: the API base URL (default $OPENAI_BASE_URL, else the provider's)")
	maxTurns := fs.Int("max-turns", 12, "llm driver: turn limit per task")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("bench takes no arguments, got %q", fs.Args())
	}
	cost := bench.CostModel{PrefillTPS: *prefill, DecodeTPS: *decode, TurnOverheadMs: *turnMs}
	if *cfgPath != "" {
		return benchUserConfig(ctx, *cfgPath, cost, stdout, stderr)
	}
	opts := bench.Options{Quick: *quick, Cost: cost}
	if !*noProgress {
		opts.Progress = stderr
	}
	if *taskIDs != "" {
		for _, id := range strings.Split(*taskIDs, ",") {
			tk, ok := tasks.Lookup(strings.TrimSpace(id))
			if !ok {
				return usageErr("no task %q", id)
			}
			opts.Tasks = append(opts.Tasks, tk)
		}
	}
	var err error
	if opts.ServerCounts, err = intList(*serverCounts, 1, 10); err != nil {
		return usageErr("--servers: %v", err)
	}
	if opts.Distractors, err = intList(*distractorCounts, 0, 10000); err != nil {
		return usageErr("--distractors: %v", err)
	}
	if *agents != "" {
		for _, a := range strings.Split(*agents, ",") {
			a = strings.TrimSpace(a)
			if a != bench.Coupled && a != bench.Search && a != bench.Code {
				return usageErr("unknown agent %q: use coupled, search or code", a)
			}
			opts.Strategies = append(opts.Strategies, a)
		}
	}
	switch *driver {
	case "replay":
	case "llm":
		return benchLLM(ctx, *provider, *model, *baseURL, *maxTurns, opts.Tasks, opts.Strategies, stdout, stderr)
	default:
		return usageErr("--driver %q: use replay or llm", *driver)
	}
	rep, err := bench.Sweep(ctx, opts)
	if err != nil {
		return err
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if *out != "" {
		files, err := rep.WriteDir(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nWrote %d files to %s: %s\n", len(files), *out, strings.Join(baseNames(files), ", "))
	}
	return nil
}

func intList(s string, lo, hi int) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < lo || n > hi {
			return nil, fmt.Errorf("%q is not a number from %d to %d", f, lo, hi)
		}
		out = append(out, n)
	}
	return out, nil
}

func baseNames(files []string) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f[strings.LastIndex(f, "/")+1:]
	}
	return out
}

func benchUserConfig(ctx context.Context, path string, cost bench.CostModel, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	// Measuring the catalog runs no program: the jail is not needed.
	cfg.Cemcp.Sandbox.Mode = "inprocess"
	g, err := startGateway(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer g.Close()
	cc, err := bench.MeasureCatalog(ctx, g, cost)
	if err != nil {
		return err
	}
	return cc.Write(stdout)
}
