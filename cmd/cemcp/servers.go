package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/servers"
)

const serversUsage = `Usage: cemcp servers list
       cemcp servers run NAME [--http 127.0.0.1:PORT]

The ten bundled MCP servers (offline, deterministic data) that the demo, the
benchmark and the red-team suite use. "run" serves one over stdio, or over
Streamable HTTP at /mcp with --http. Use them in a config like:
  "weather": {"command": "cemcp", "args": ["servers", "run", "weather"]}
`

func cmdServers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, serversUsage)
		if len(args) == 0 {
			return &exitError{code: 2, err: errSilent}
		}
		return nil
	}
	switch args[0] {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVER\tTOOLS\tSUMMARY")
		total := 0
		for _, s := range servers.All() {
			n, err := countTools(ctx, s.New())
			if err != nil {
				return fmt.Errorf("list tools of %s: %w", s.Name, err)
			}
			total += n
			fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Name, n, s.Summary)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d servers, %d tools\n", len(servers.All()), total)
		return nil
	case "run":
		fs := newFlags("servers run", serversUsage, stderr)
		httpAddr := fs.String("http", "", "serve Streamable HTTP on this address (path /mcp) instead of stdio")
		rest := args[1:]
		// Accept the name before or after the flags.
		var name string
		if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
			name, rest = rest[0], rest[1:]
		}
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if name == "" && fs.NArg() == 1 {
			name = fs.Arg(0)
		}
		if name == "" {
			return usageErr("servers run needs a NAME; see cemcp servers list")
		}
		err := servers.Run(ctx, name, *httpAddr, func(addr string) {
			fmt.Fprintf(stderr, "cemcp: serving %s at http://%s/mcp\n", name, addr)
		})
		if errors.Is(err, servers.ErrUnknown) {
			return usageErr("%v", err)
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		return nil
	default:
		fmt.Fprint(stderr, serversUsage)
		return usageErr("unknown servers subcommand %q", args[0])
	}
}

func countTools(ctx context.Context, srv *mcp.Server) (int, error) {
	ct, st := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		return 0, err
	}
	defer ss.Close()
	c := mcp.NewClient(&mcp.Implementation{Name: "cemcp", Version: version()}, nil)
	cs, err := c.Connect(ctx, ct, nil)
	if err != nil {
		return 0, err
	}
	defer cs.Close()
	n := 0
	for _, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}
