// Command cemcp is the secure Code Execution MCP gateway: it connects to the
// MCP servers of a Claude Desktop / Cursor / VS Code style config and serves
// their tools to a model as a typed code API (search_tools, describe_tools,
// execute_code), running each program in a sandbox.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cemcp/cemcp/internal/gateway"
)

const usage = `cemcp — a secure Code Execution MCP gateway

Usage:
  cemcp serve   --config FILE [--http 127.0.0.1:PORT]   serve the gateway (stdio by default)
  cemcp run     --config FILE PROGRAM|-                  run one program against the config's servers
  cemcp tools   --config FILE [--search Q | --api]       list, search or declare the tools
  cemcp servers list | run NAME [--http ADDR]            the bundled example MCP servers
  cemcp demo                                             see code mode against the bundled servers
  cemcp audit   list | show RUN | verify | export         the run ledger
  cemcp bench   | cemcp redteam                          measurements and attack suite
  cemcp version

The config is the mcpServers JSON that Claude Desktop, Cursor and VS Code use,
plus an optional "cemcp" section; see docs/config.md. --config defaults to
$CEMCP_CONFIG. Run "cemcp COMMAND --help" for a command's flags.

Exit status: 0 success, 1 the run failed, 2 bad usage or config.
`

// exitError carries an exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func main() {
	gateway.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		code := 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		if !errors.Is(err, errSilent) {
			fmt.Fprintln(os.Stderr, "cemcp:", err)
		}
		os.Exit(code)
	}
}

// errSilent marks an error already reported to the user.
var errSilent = errors.New("already reported")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2, err: errSilent}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr)
	case "run":
		return cmdRun(ctx, rest, stdin, stdout, stderr)
	case "tools":
		return cmdTools(ctx, rest, stdout, stderr)
	case "servers":
		return cmdServers(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "redteam":
		return cmdRedteam(ctx, rest, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "cemcp", version())
		return nil
	case "help", "--help", "-h", "-help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageErr("unknown command %q", cmd)
	}
}

// newLogger logs to stderr (stdout may carry MCP messages).
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
