package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cemcp/cemcp/internal/bench"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/redteam"
)

const redteamUsage = `Usage: cemcp redteam [--quick] [--out DIR] [flags]
       cemcp redteam --config USER.json [--out DIR]
       cemcp redteam --driver llm --provider openai|anthropic --model NAME [flags]

Runs the attack suite: scenarios over the 16 attack classes of the CE-MCP
threat model (malicious upstream servers, including the study's access-control
testbed, and malicious programs), each with an oracle that decides from
observable effects whether the attack succeeded. The agent is a scripted,
fully compromised model: it obeys every instruction that reaches it.

With --driver llm a real model takes the agent's seat: it gets the scenario's
task as the user request, the gateway's tools (search_tools, describe_tools,
execute_code) and their results, until it answers or --max-turns. Scenarios
whose attack is the program itself ask it to run that program. The oracles
are the same, so the report says which attacks that model fell for under each
configuration. Providers: an OpenAI-compatible Chat Completions endpoint
(--base-url, $OPENAI_BASE_URL, key $OPENAI_API_KEY) or the Anthropic Messages
API ($ANTHROPIC_API_KEY). A failed model request is reported as a harness
failure of that run. Without a configured model the scripted agent is the
default, and the worst case: it obeys every instruction it reads, where a real
model refuses some (and the oracles judge effects, whoever caused them).

Every scenario runs under each configuration of the ablation: none (programs
run unconfined on the host, no gate), jail, +static, +policy (and approvals,
which the simulated user declines), +flow, +text, all. Benign control tasks
count false positives. --out writes report.json, report.md and heatmap.png.

With --config it runs the program-side probes against your own sandbox and
policy settings (cemcp section of USER.json); your mcpServers are not
contacted.

Exit status: 0 when no attack succeeds and no benign task is blocked under
the last configuration, 1 otherwise, 2 on bad usage.
`

func cmdRedteam(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("redteam", redteamUsage, stderr)
	quick := fs.Bool("quick", false, "three scenarios per class and 20 benign controls (the CI subset)")
	out := fs.String("out", "", "write report.json, report.md and heatmap.png into this directory")
	cfgPath := fs.String("config", "", "run the program-side probes against this config's sandbox and policy")
	only := fs.String("scenarios", "", "comma-separated scenario id prefixes (e.g. P1.1,P5.5/fork-bomb)")
	configs := fs.String("configs", "", "comma-separated configurations (default: the whole ablation)")
	allControls := fs.Bool("all-controls", false, "use every task of the task suite as a benign control")
	runner := fs.String("runner", "", "cemcp-runner binary for the jail (default: beside cemcp, then PATH)")
	parallel := fs.Int("parallel", 3, "scenario runs at once")
	noProgress := fs.Bool("no-progress", false, "do not report progress on stderr")
	driver := fs.String("driver", "scripted", "scripted (the compromised model, the worst case) or llm (a real model)")
	provider := fs.String("provider", "", "llm driver: openai (Chat Completions compatible) or anthropic")
	model := fs.String("model", "", "llm driver: the model name")
	baseURL := fs.String("base-url", "", "llm driver: the API base URL (default $OPENAI_BASE_URL, else the provider's)")
	maxTurns := fs.Int("max-turns", 8, "llm driver: model requests per scenario")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("redteam takes no arguments, got %q", fs.Args())
	}
	opts := redteam.Options{RunnerPath: *runner, Parallel: *parallel}
	switch *driver {
	case "scripted":
		if *provider != "" || *model != "" {
			return usageErr("--provider and --model need --driver llm")
		}
	case "llm":
		p, err := redteamProvider(*provider, *model, *baseURL)
		if err != nil {
			return err
		}
		opts.Driver = &redteam.LLM{Provider: p, Model: *provider + "/" + *model, MaxTurns: *maxTurns}
	default:
		return usageErr("--driver %q: use scripted or llm", *driver)
	}
	if *quick {
		opts.Scenarios = redteam.Quick()
	}
	if *allControls {
		opts.Controls = redteam.AllControls()
	}
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		sb, pol := cfg.Cemcp.Sandbox, cfg.Cemcp.Policy
		opts.Configurations = []redteam.Configuration{{Name: "yours", Jail: sb.Mode != "inprocess", Sandbox: &sb, Policy: &pol}}
		opts.Scenarios = redteam.ProgramProbes()
		calls := pol.MaxCallsPerRun
		if calls == 0 {
			calls = sb.MaxToolCalls
		}
		opts.Limits = &redteam.Limits{Timeout: sb.Timeout, MemoryBytes: sb.MemoryBytes, MaxPids: sb.MaxPids,
			MaxOutput: sb.MaxOutputBytes, MaxCalls: calls, MaxTurns: redteam.DefaultLimits.MaxTurns}
		if opts.RunnerPath == "" {
			opts.RunnerPath = sb.RunnerPath
		}
	}
	if opts.RunnerPath == "" {
		if p, err := gateway.FindRunner(""); err == nil {
			opts.RunnerPath = p
		}
	}
	if *only != "" {
		base := opts.Scenarios
		if base == nil {
			base = redteam.All()
		}
		opts.Scenarios = nil
		for _, s := range base {
			for _, p := range strings.Split(*only, ",") {
				if p = strings.TrimSpace(p); p != "" && strings.HasPrefix(s.ID, p) {
					opts.Scenarios = append(opts.Scenarios, s)
					break
				}
			}
		}
		if len(opts.Scenarios) == 0 {
			return usageErr("--scenarios %q matches no scenario", *only)
		}
	}
	if *configs != "" {
		base := opts.Configurations
		if base == nil {
			base = redteam.Ablation()
		}
		opts.Configurations = nil
		for _, name := range strings.Split(*configs, ",") {
			var found bool
			for _, c := range base {
				if c.Name == strings.TrimSpace(name) {
					opts.Configurations, found = append(opts.Configurations, c), true
				}
			}
			if !found {
				return usageErr("--configs: no configuration %q", name)
			}
		}
	}
	if !*noProgress {
		start := time.Now()
		n := 0
		opts.Progress = func(config, id string, blocked bool) {
			n++
			if n%10 == 0 {
				fmt.Fprintf(stderr, "redteam: %d runs, %s (%s: %s)\n", n, time.Since(start).Round(time.Second), config, id)
			}
		}
	}
	rep, err := redteam.Run(ctx, opts)
	if err != nil {
		return err
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *out != "" {
		files, err := rep.WriteFiles(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", strings.Join(files, ", "))
	}
	last := rep.Configs[len(rep.Configs)-1].Name
	if r := rep.PerConfig[last]; r.Succeeded > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d attacks succeed under %q", r.Succeeded, r.Total, last)}
	}
	if r := rep.FalsePositives[last]; r.Succeeded > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d benign tasks blocked under %q", r.Succeeded, r.Total, last)}
	}
	return nil
}

// redteamProvider is the model of the LLM driver.
func redteamProvider(provider, model, baseURL string) (bench.Provider, error) {
	if model == "" && provider != "" {
		return nil, usageErr("--driver llm needs --model, e.g. gpt-4.1 or claude-sonnet-4-5")
	}
	switch provider {
	case "openai":
		if baseURL == "" {
			baseURL = os.Getenv("OPENAI_BASE_URL")
		}
		return &bench.OpenAI{BaseURL: baseURL, APIKey: os.Getenv("OPENAI_API_KEY"), Model: model}, nil
	case "anthropic":
		key := os.Getenv("ANTHROPIC_API_KEY")
		if key == "" {
			return nil, usageErr("--provider anthropic needs ANTHROPIC_API_KEY in the environment")
		}
		return &bench.Anthropic{BaseURL: baseURL, APIKey: key, Model: model}, nil
	default:
		return nil, usageErr("--driver llm needs --provider openai (any Chat Completions compatible endpoint) or anthropic")
	}
}
