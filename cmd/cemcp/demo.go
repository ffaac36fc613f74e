package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cemcp/cemcp/internal/demo"
)

const demoUsage = `Usage: cemcp demo

Starts the ten bundled MCP servers behind the gateway, runs a few
multi-server tasks in code mode, shows how many tokens a model would have
read for the same work tool by tool, shows an attack being stopped, and
writes a small benchmark's report and plots (PNG) into --out. Needs nothing
but this binary (and cemcp-runner beside it for the jail).
`

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", demoUsage, stderr)
	verbose := fs.Bool("v", false, "log the gateway's activity to stderr")
	out := fs.String("out", "cemcp-demo", "directory for the benchmark report and plots (\"\" skips the sweep)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the cemcp executable: %w", err)
	}
	opts := demo.Options{Exe: exe, Out: stdout, PlotDir: *out, Progress: stderr}
	if *verbose {
		opts.Logger = newLogger(stderr, "debug")
	}
	return demo.Run(ctx, opts)
}
