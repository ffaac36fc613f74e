package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cemcp/cemcp/internal/audit"
	"github.com/cemcp/cemcp/internal/config"
)

const auditUsage = `Usage: cemcp audit list   [--config F | --db PATH] [--limit N] [--status S]
       cemcp audit show   [--config F | --db PATH] [--json] RUN_ID
       cemcp audit verify [--config F | --db PATH]
       cemcp audit export [--config F | --db PATH] [RUN_ID]

The audit ledger records every program (its code, language, client and time),
every tool call (tool, argument hash, data labels, the gate's decision, status,
latency, result size) and every flag, in a hash chain. "verify" walks the chain
and names the first record that was changed, removed, reordered or forged.
The ledger is cemcp.audit.path of the config (default
~/.local/state/cemcp/audit.db); --db names a file directly.
`

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, auditUsage)
		if len(args) == 0 {
			return &exitError{code: 2, err: errSilent}
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("audit "+sub, auditUsage, stderr)
	cfgPath := fs.String("config", "", "config file whose cemcp.audit.path to open; default $CEMCP_CONFIG")
	db := fs.String("db", "", "the ledger file (overrides --config)")
	limit := fs.Int("limit", 20, "list: number of runs, newest first")
	status := fs.String("status", "", "list: only runs with this status (ok, exception, timeout, limit, running, ...)")
	asJSON := fs.Bool("json", false, "show: print the run as JSON")
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	path := *db
	if path == "" {
		p := *cfgPath
		if p == "" {
			p = os.Getenv("CEMCP_CONFIG")
		}
		var cfg *config.Config
		var err error
		if p == "" {
			cfg = config.Default()
		} else if cfg, err = config.Load(p); err != nil {
			return &exitError{code: 2, err: err}
		}
		path = cfg.Cemcp.Audit.Path
	}
	if _, err := os.Stat(path); err != nil {
		return usageErr("no audit ledger at %s (%v); pass --db or --config", path, err)
	}
	l, err := audit.Open(ctx, audit.Options{Path: path})
	if err != nil {
		return fmt.Errorf("open the ledger %s: %w", path, err)
	}
	defer l.Close()

	switch sub {
	case "list":
		runs, err := l.List(ctx, audit.ListOptions{Limit: *limit, Status: *status})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RUN\tSTARTED\tLANG\tSTATUS\tCALLS\tFLAGS\tMS\tCLIENT")
		for _, r := range runs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", r.ID, r.Started.Local().Format(time.DateTime), r.Language, r.Status, r.Calls, r.Flags, r.Ms, r.Client)
		}
		return tw.Flush()
	case "show":
		if fs.NArg() != 1 {
			return usageErr("audit show needs one RUN_ID (see cemcp audit list)")
		}
		d, err := l.Show(ctx, fs.Arg(0))
		if err != nil {
			return &exitError{code: 1, err: err}
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(d)
		}
		fmt.Fprintf(stdout, "run      %s\nstarted  %s\nclient   %s\nlanguage %s\nstatus   %s\n", d.Run.ID, d.Run.Started.Local().Format(time.RFC3339), d.Run.Client, d.Run.Language, d.Status)
		if d.Finish != nil && d.Finish.Error != "" {
			fmt.Fprintf(stdout, "error    %s\n", d.Finish.Error)
		}
		if d.Run.Code != "" {
			fmt.Fprintf(stdout, "\n--- program ---\n%s\n", strings.TrimRight(d.Run.Code, "\n"))
		}
		if len(d.Calls) > 0 {
			fmt.Fprintln(stdout, "\n--- calls ---")
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "#\tTOOL\tDECISION\tRULE\tSTATUS\tMS\tBYTES\tLABELS")
			for _, c := range d.Calls {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", c.Seq, c.Tool, c.Decision, c.Rule, c.Status, c.LatencyMs, c.ResultBytes, strings.Join(c.Labels, ", "))
			}
			tw.Flush()
		}
		if len(d.Flags) > 0 {
			fmt.Fprintln(stdout, "\n--- flags ---")
			for _, f := range d.Flags {
				fmt.Fprintf(stdout, "%s from %s: %s\n", f.Kind, f.Source, f.Detail)
			}
		}
		return nil
	case "verify":
		rep, err := l.Verify(ctx)
		if err != nil {
			return err
		}
		if !rep.OK {
			fmt.Fprintf(stdout, "TAMPERED: %d of %d records fail verification; first: %s\n", rep.Bad, rep.Records, rep.First)
			return &exitError{code: 1, err: errSilent}
		}
		fmt.Fprintf(stdout, "ok: %d records (%d runs, %d calls, %d flags) form an unbroken chain; head %s\n", rep.Records, rep.Runs, rep.Calls, rep.Flags, rep.Head)
		return nil
	case "export":
		return l.Export(ctx, stdout, fs.Arg(0))
	default:
		fmt.Fprint(stderr, auditUsage)
		return usageErr("unknown audit subcommand %q", sub)
	}
}
