package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/cemcp/cemcp/internal/bench"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/tasks"
	"github.com/cemcp/cemcp/servers"
)

// benchLLM runs the agents against a real model on the bundled servers and
// reports, per task and agent, turns, tokens, measured model time and the
// task checker's verdict.
func benchLLM(ctx context.Context, provider, model, baseURL string, maxTurns int, tks []tasks.Task, agents []string, stdout, stderr io.Writer) error {
	var p bench.Provider
	switch provider {
	case "openai":
		if baseURL == "" {
			baseURL = os.Getenv("OPENAI_BASE_URL")
		}
		if baseURL == "" {
			baseURL = "https://api.openai.com/v1"
		}
		p = &bench.OpenAI{BaseURL: baseURL, APIKey: os.Getenv("OPENAI_API_KEY"), Model: model}
	case "anthropic":
		key := os.Getenv("ANTHROPIC_API_KEY")
		if key == "" {
			return usageErr("--provider anthropic needs ANTHROPIC_API_KEY in the environment")
		}
		p = &bench.Anthropic{BaseURL: baseURL, APIKey: key, Model: model}
	default:
		return usageErr("--driver llm needs --provider openai (any Chat Completions compatible endpoint) or anthropic")
	}
	if model == "" {
		return usageErr("--driver llm needs --model, e.g. gpt-4.1 or claude-sonnet-4-5")
	}
	if len(tks) == 0 {
		tks = bench.QuickTasks()
	}
	if len(agents) == 0 {
		agents = bench.Strategies
	}
	host, err := bench.NewHost()
	if err != nil {
		return err
	}
	defer host.Close()
	exec, err := gateway.NewExecutor(config.Default().Cemcp.Sandbox, newLogger(stderr, "warn"))
	if err != nil {
		fmt.Fprintf(stderr, "cemcp bench: %v\ncemcp bench: running programs IN PROCESS (not isolated) instead\n", err)
		exec = sandbox.NewInProcess(sandbox.Limits{}, nil)
	}
	defer exec.Close()
	env, err := host.Start(ctx, bench.Setup{Servers: servers.Names()}, exec)
	if err != nil {
		return err
	}
	defer env.Close()
	llm := &bench.LLM{Provider: p, Counter: &bench.Counter{}, MaxTurns: maxTurns}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tAGENT\tTURNS\tINPUT TOKENS\tOUTPUT TOKENS\tTOOL CALLS\tMODEL MS\tCORRECT")
	failed := 0
	for _, tk := range tks {
		for _, a := range agents {
			r, err := llm.Run(ctx, env, tk, a)
			if err != nil {
				fmt.Fprintf(tw, "%s\t%s\terror: %v\n", tk.ID, a, err)
				failed++
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%.0f\t%v\n", tk.ID, a, len(r.Turns), r.Input, r.Output, r.ToolCalls, r.ModelMs, r.Correct)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d runs failed", failed)}
	}
	return nil
}
