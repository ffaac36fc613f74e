package main

import (
	"context"
	"fmt"
	"io"

	"strings"
	"time"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/redteam"
)

const redteamUsage = `Usage: cemcp redteam [--quick] [--out DIR] [flags]
       cemcp redteam --config USER.json [--out DIR]

Runs the attack suite: scenarios over the 16 attack classes of the CE-MCP
threat model (malicious upstream servers, including the study's access-control
testbed, and malicious programs), each with an oracle that decides from
observable effects whether the attack succeeded. The agent is a scripted,
fully compromised model: it obeys every instruction that reaches it.

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
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("redteam takes no arguments, got %q", fs.Args())
	}
	opts := redteam.Options{RunnerPath: *runner, Parallel: *parallel}
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
