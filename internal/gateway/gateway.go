// Package gateway is cemcp's composition root and MCP face. It wires the
// configuration, the upstream hub, the catalog, the executor and (later) the
// gate, and serves the code-mode tools (search_tools, describe_tools,
// execute_code) plus pass-through tools over stdio or Streamable HTTP.
//
// Every tool call, whether made by a program inside the sandbox or passed
// through from the client, goes through one path: Gateway.callTool.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/audit"
	"github.com/cemcp/cemcp/internal/catalog"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/gate/flow"
	"github.com/cemcp/cemcp/internal/gate/judge"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/internal/upstream"
)

// Version is the gateway's version, reported to clients and upstreams.
var Version = "0.1.0-dev"

// Options configure a Gateway. Config is required.
type Options struct {
	Config *config.Config
	Logger *slog.Logger // nil: silent
	// Executor overrides the executor chosen from Config (tests, benchmarks).
	Executor sandbox.Executor
	// ServerName overrides the implementation name served to clients.
	ServerName string
	// OnResult, when set, sees every successful inner call's unwrapped
	// result (for accounting in the demo and the benchmark).
	OnResult func(tool string, result json.RawMessage)
	// Layers switches the gate's defenses (the red team's ablation); nil
	// means all on.
	Layers *gate.Layers
}

// Gateway is one running cemcp instance.
type Gateway struct {
	cfg    *config.Config
	log    *slog.Logger
	hub    *upstream.Hub
	cat    *catalog.Catalog
	exec   sandbox.Executor
	server *mcp.Server
	gate   *gate.Gate
	ledger *audit.Ledger // nil when cemcp.audit.enabled is false
	auditQ *auditQueue
	judge  *judge.Judge // nil unless cemcp.judge is configured
	onRes  func(tool string, result json.RawMessage)

	act      atomic.Uint64 // calls and runs begun, for releaseWhenIdle
	released atomic.Int64  // idle memory releases (tests)
	stop     chan struct{} // closed by Close

	// syncMu serializes catalog updates (screening and pass-through sync).
	syncMu sync.Mutex

	mu sync.Mutex
	// passthrough maps a served pass-through tool name to what it serves.
	passthrough map[string]servedTool // guarded by mu
	// pending holds programs paused for a multi-round-trip client's answer,
	// by request state.
	pending map[string]*pendingRun // guarded by mu
	// quarantine holds the tools hidden for suspicious metadata or
	// shadowing, with the reason.
	quarantine map[string]gate.Flag // guarded by mu
	// ptRuns maps a client session to the ledger run of its pass-through calls.
	ptRuns map[*mcp.ServerSession]string // guarded by mu
	// histories holds, per client session, what its runs returned to the
	// model, for data-flow labels across runs.
	histories map[*mcp.ServerSession]*flow.Tracker // guarded by mu
	closed    bool                                 // guarded by mu
}

// New builds a Gateway and connects to every upstream (concurrently, each
// bounded by its start timeout). Upstreams that fail are reported in
// Status and skipped; New fails only on a bad configuration or when the
// executor cannot be set up.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	if opts.Config == nil {
		return nil, errors.New("gateway: no configuration")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{
		cfg:         opts.Config,
		log:         log,
		cat:         catalog.New(),
		passthrough: map[string]servedTool{},
		pending:     map[string]*pendingRun{},
		ptRuns:      map[*mcp.ServerSession]string{},
		histories:   map[*mcp.ServerSession]*flow.Tracker{},
		onRes:       opts.OnResult,
	}
	exec := opts.Executor
	if exec == nil {
		var err error
		exec, err = NewExecutor(opts.Config.Cemcp.Sandbox, log)
		if err != nil {
			return nil, err
		}
	}
	g.exec = exec

	pins := ""
	if a := opts.Config.Cemcp.Audit; a.Enabled && a.Path != "" && a.Path != ":memory:" {
		pins = filepath.Join(filepath.Dir(a.Path), "pins.json")
	}
	gt, err := gate.New(gate.Options{Policy: opts.Config.Cemcp.Policy, Servers: opts.Config.Servers, PinsPath: pins, Layers: opts.Layers, Logger: log.With("component", "gate")})
	if err != nil {
		exec.Close()
		return nil, err
	}
	g.gate = gt
	if g.judge, err = newJudge(opts.Config.Cemcp.Judge); err != nil {
		exec.Close()
		return nil, err
	}
	if a := opts.Config.Cemcp.Audit; a.Enabled {
		l, err := audit.Open(ctx, audit.Options{Path: a.Path, Synchronous: "NORMAL", Logger: log.With("component", "audit")})
		if err != nil {
			exec.Close()
			return nil, fmt.Errorf("open the audit ledger %s: %w (set cemcp.audit.path, or cemcp.audit.enabled false)", a.Path, err)
		}
		g.ledger = l
		g.auditQ = newAuditQueue()
	}

	name := opts.ServerName
	if name == "" {
		name = "cemcp"
	}
	g.server = mcp.NewServer(&mcp.Implementation{Name: name, Title: "cemcp code-execution gateway", Version: Version}, &mcp.ServerOptions{
		Instructions: serverInstructions,
		Logger:       quiet(log).With("component", "mcp-server"),
	})
	g.addCodeModeTools()

	g.hub = upstream.New(opts.Config.Servers, upstream.Options{
		Logger:         log.With("component", "upstream"),
		Client:         &mcp.Implementation{Name: "cemcp", Version: Version},
		OnToolsChanged: g.toolsChanged,
	})
	g.hub.Start(ctx)
	g.stop = make(chan struct{})
	go g.releaseWhenIdle(g.stop)
	return g, nil
}

// NewExecutor returns the executor the sandbox settings ask for.
func NewExecutor(s config.Sandbox, log *slog.Logger) (sandbox.Executor, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limits := sandbox.Limits{
		Timeout:        s.Timeout,
		MaxOutputBytes: s.MaxOutputBytes,
		MaxToolCalls:   s.MaxToolCalls,
		MaxConcurrency: s.MaxConcurrency,
		MaxCallDepth:   s.MaxCallDepth,
		MemoryBytes:    s.MemoryBytes,
		MaxPids:        s.MaxPids,
	}
	switch s.Mode {
	case "inprocess":
		return sandbox.NewInProcess(limits, log), nil
	case "jail", "":
		return newJailExecutor(s, limits, log)
	default:
		return nil, fmt.Errorf("cemcp.sandbox.mode %q: unknown mode; use \"jail\" or \"inprocess\"", s.Mode)
	}
}

// Server returns the MCP server that clients talk to.
func (g *Gateway) Server() *mcp.Server { return g.server }

// Catalog returns the tool catalog.
func (g *Gateway) Catalog() *catalog.Catalog { return g.cat }

// Status reports the state of every upstream.
func (g *Gateway) Status() []upstream.ServerStatus { return g.hub.Status() }

// Ledger returns the audit ledger, nil when it is off.
func (g *Gateway) Ledger() *audit.Ledger { return g.ledger }

// SyncAudit waits until every ledger record queued so far is committed.
func (g *Gateway) SyncAudit() {
	if g.ledger != nil {
		g.auditQ.sync()
		_ = g.ledger.Flush(context.Background())
	}
}

// Executor returns the executor in use.
func (g *Gateway) Executor() sandbox.Executor { return g.exec }

// Close stops every upstream and the executor.
func (g *Gateway) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	err := errors.Join(g.hub.Close(), g.exec.Close())
	if g.ledger != nil {
		g.mu.Lock()
		for _, id := range g.ptRuns {
			id := id
			g.auditQ.push(func() { _ = g.ledger.FinishRun(noWait, audit.Finish{RunID: id, Status: "ok"}) })
		}
		g.mu.Unlock()
		g.auditQ.close()
		err = errors.Join(err, g.ledger.Close())
	}
	return err
}

// toolsChanged is the hub's callback: a server's tool list is new or changed.
func (g *Gateway) toolsChanged(server string, tools []*mcp.Tool) {
	g.syncMu.Lock()
	defer g.syncMu.Unlock()
	if tools == nil {
		// A server that is reconnecting keeps its tools in the catalog, so
		// that a program's call fails with a clear "unavailable" ToolError
		// rather than finding tools.server undefined.
		if g.serverState(server) == upstream.StateReconnecting {
			return
		}
		g.cat.RemoveServer(server)
	} else {
		g.cat.SetServer(server, tools)
	}
	q := g.gate.Screen(g.cat.Tools())
	var fresh []gate.Flag
	g.mu.Lock()
	for name, f := range q {
		if _, seen := g.quarantine[name]; !seen {
			g.log.Warn("tool quarantined", "tool", name, "kind", f.Kind, "why", f.Detail)
			fresh = append(fresh, f)
		}
	}
	g.quarantine = q
	g.mu.Unlock()
	g.recordCatalog(server, fresh)
	g.syncPassthrough()
}

// recordCatalog writes newly quarantined tools to the ledger, as a run of
// language "catalog": the defense acted at discovery, between programs.
func (g *Gateway) recordCatalog(server string, flags []gate.Flag) {
	if g.ledger == nil || len(flags) == 0 {
		return
	}
	id := newRunID() + "-catalog"
	g.auditQ.push(func() {
		if err := g.ledger.BeginRun(noWait, audit.Run{ID: id, Client: "upstream " + server, Language: "catalog"}); err != nil {
			g.log.Error("audit: catalog run", "err", err)
			return
		}
		for _, f := range flags {
			_ = g.ledger.RecordFlag(noWait, audit.Flag{RunID: id, Kind: f.Kind, Source: f.Source, Detail: f.Detail})
		}
		_ = g.ledger.FinishRun(noWait, audit.Finish{RunID: id, Status: "ok"})
	})
}

// quarantined reports whether a tool is hidden, and why.
func (g *Gateway) quarantined(qualified string) (gate.Flag, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f, ok := g.quarantine[qualified]
	return f, ok
}

// visibleTools lists the catalog without quarantined tools.
func (g *Gateway) visibleTools(tools []*catalog.Tool) []*catalog.Tool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.quarantine) == 0 {
		return tools
	}
	out := make([]*catalog.Tool, 0, len(tools))
	for _, t := range tools {
		if _, bad := g.quarantine[t.Qualified]; !bad {
			out = append(out, t)
		}
	}
	return out
}

// Quarantined lists the hidden tools with the reason.
func (g *Gateway) Quarantined() map[string]gate.Flag {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]gate.Flag, len(g.quarantine))
	for k, v := range g.quarantine {
		out[k] = v
	}
	return out
}

func (g *Gateway) serverState(name string) upstream.State {
	for _, s := range g.hub.Status() {
		if s.Name == name {
			return s.State
		}
	}
	return ""
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// quiet returns a logger for the SDK's internals: its per-request
// messages are noise below warnings unless debug logging is on.
func quiet(log *slog.Logger) *slog.Logger {
	if log.Enabled(context.Background(), slog.LevelDebug) {
		return log
	}
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.min && m.Handler.Enabled(ctx, l)
}
