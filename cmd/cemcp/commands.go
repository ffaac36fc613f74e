package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cemcp/cemcp/internal/codeapi"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gateway"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return gateway.Version
}

// newFlags returns a flag set whose -help prints the command's usage text.
func newFlags(name, text string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, text)
		fmt.Fprintln(stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{code: 0, err: errSilent}
		}
		return &exitError{code: 2, err: errSilent}
	}
	return nil
}

func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		path = os.Getenv("CEMCP_CONFIG")
	}
	if path == "" {
		return nil, usageErr("no config: pass --config FILE (your Claude Desktop / Cursor mcpServers JSON works as it is) or set CEMCP_CONFIG")
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return cfg, nil
}

func startGateway(ctx context.Context, cfg *config.Config, stderr io.Writer, quiet bool) (*gateway.Gateway, error) {
	level := cfg.Cemcp.LogLevel
	if quiet && level == "info" {
		level = "warn"
	}
	log := newLogger(stderr, level)
	g, err := gateway.New(ctx, gateway.Options{Config: cfg, Logger: log})
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	for _, s := range g.Status() {
		if s.State != "ready" && s.State != "disabled" {
			log.Warn("upstream not available; its tools are skipped", "server", s.Name, "state", s.State, "error", s.Error)
		}
	}
	return g, nil
}

const serveUsage = `Usage: cemcp serve --config FILE [--http 127.0.0.1:PORT] [--token T]

Serves the gateway to an MCP client: over stdio by default (what Claude
Desktop, Claude Code and Cursor start), or over Streamable HTTP at
http://ADDR/mcp with --http. Logs go to stderr.
`

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("serve", serveUsage, stderr)
	cfgPath := fs.String("config", "", "config file (mcpServers JSON); default $CEMCP_CONFIG")
	httpAddr := fs.String("http", "", "serve Streamable HTTP on this address (path /mcp) instead of stdio")
	token := fs.String("token", "", "require this bearer token on HTTP (default cemcp.serve.token, or $CEMCP_TOKEN)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv("CEMCP_TOKEN")
	}
	if *token != "" {
		cfg.Cemcp.Serve.Token = *token
	}
	addr := *httpAddr
	if addr == "" {
		addr = cfg.Cemcp.Serve.HTTP
	}
	if addr != "" && cfg.Cemcp.Serve.Token == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return usageErr("--http %s is reachable from other machines: set a bearer token (--token, $CEMCP_TOKEN or cemcp.serve.token), or listen on 127.0.0.1", addr)
			}
		}
	}
	g, err := startGateway(ctx, cfg, stderr, false)
	if err != nil {
		return err
	}
	defer g.Close()
	if addr == "" {
		err := g.ServeStream(ctx, os.Stdin, os.Stdout)
		if err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
			return err
		}
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return usageErr("listen on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: g.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "cemcp: serving MCP (Streamable HTTP) at http://%s/mcp\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

const runUsage = `Usage: cemcp run --config FILE [--lang typescript|javascript|python] PROGRAM|-

Runs one program against the config's servers, as execute_code would, and
prints its console output and return value. PROGRAM is a file; - reads stdin.
Example:
  echo 'return await tools.weather.get_forecast({city: "Paris", days: 1})' | cemcp run --config cemcp.json -
`

func cmdRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("run", runUsage, stderr)
	cfgPath := fs.String("config", "", "config file (mcpServers JSON); default $CEMCP_CONFIG")
	lang := fs.String("lang", "", "program language: typescript (default), javascript or python; guessed from the file extension")
	timeout := fs.Duration("timeout", 0, "wall-clock limit for the run (default cemcp.sandbox.timeout_ms)")
	asJSON := fs.Bool("json", false, "print the full structured result as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("run needs exactly one PROGRAM (a file, or - for stdin)")
	}
	src := fs.Arg(0)
	var code []byte
	var err error
	if src == "-" {
		code, err = io.ReadAll(stdin)
	} else {
		code, err = os.ReadFile(src)
	}
	if err != nil {
		return usageErr("read program: %v", err)
	}
	if *lang == "" {
		switch {
		case strings.HasSuffix(src, ".py"):
			*lang = "python"
		case strings.HasSuffix(src, ".js"), strings.HasSuffix(src, ".mjs"):
			*lang = "javascript"
		}
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	g, err := startGateway(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer g.Close()
	out := g.Execute(ctx, gateway.ExecuteInput{Code: string(code), Language: *lang, TimeoutMs: int(timeout.Milliseconds())})
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		fmt.Fprint(stdout, out.Text())
	}
	if out.Error != nil {
		return &exitError{code: 1, err: errSilent}
	}
	return nil
}

const toolsUsage = `Usage: cemcp tools --config FILE [--search QUERY [--limit N] | --api [--lang python] [NAME...]]

Lists the tools of the config's servers as the model sees them (qualified
names server.tool), searches them, or prints the generated code API
(TypeScript declarations, or Python stubs) for all tools or the NAMEs given.
`

func cmdTools(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tools", toolsUsage, stderr)
	cfgPath := fs.String("config", "", "config file (mcpServers JSON); default $CEMCP_CONFIG")
	search := fs.String("search", "", "rank tools for this plain-language query")
	limit := fs.Int("limit", 10, "number of search results")
	api := fs.Bool("api", false, "print the generated code API")
	lang := fs.String("lang", "typescript", "language of --api: typescript or python")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	g, err := startGateway(ctx, cfg, stderr, true)
	if err != nil {
		return err
	}
	defer g.Close()
	switch {
	case *search != "":
		out := g.Search(*search, *limit)
		for _, h := range out.Tools {
			fmt.Fprintf(stdout, "%-40s %6.2f  %s\n", h.Name, h.Score, h.Summary)
		}
		if len(out.Tools) == 0 {
			fmt.Fprintf(stderr, "no tool matches %q among %d tools\n", *search, out.Total)
			return &exitError{code: 1, err: errSilent}
		}
	case *api:
		names := fs.Args()
		if len(names) == 0 {
			names = g.Catalog().Servers()
		}
		if len(names) == 0 {
			return &exitError{code: 1, err: errors.New("no tools: no upstream server is available")}
		}
		out, err := g.Describe(names, *lang)
		if err != nil {
			return usageErr("%v", err)
		}
		fmt.Fprint(stdout, out.Declarations)
	default:
		for _, s := range g.Status() {
			fmt.Fprintf(stdout, "%s (%s, %s, %d tools)%s\n", s.Name, s.Transport, s.State, s.Tools, errSuffix(s.Error))
			for _, t := range g.Catalog().ServerTools(s.Name) {
				fmt.Fprintf(stdout, "  %-40s %s\n", t.Qualified, codeapi.Summary(t))
			}
		}
	}
	return nil
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}
