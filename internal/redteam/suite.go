package redteam

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/audit"
	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/gate"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/servers"
)

// Configuration is one column of the ablation.
type Configuration struct {
	Name string `json:"name"`
	// Jail runs programs in the jail; otherwise the Naive executor runs
	// them on the host.
	Jail bool `json:"jail"`
	// Layers are the gate's defenses; nil = the production default (all).
	Layers *gate.Layers `json:"layers"`
	// TrustAll marks every server trusted (no defense at all).
	TrustAll bool `json:"trust_all"`
	// Adds names the layer this configuration adds to the previous one.
	Adds string `json:"adds,omitempty"`
	// Sandbox and Policy override the suite's deployment (for --config).
	Sandbox *config.Sandbox `json:"-"`
	Policy  *config.Policy  `json:"-"`
}

// Ablation is the cumulative ladder of issue 7: none; jail only; + static
// analysis; + policy and approvals; + data-flow labels; + untrusted-text
// handling; all (the gateway's production default, nil Layers).
func Ablation() []Configuration {
	l := func(st, po, fl, tx bool) *gate.Layers {
		return &gate.Layers{Static: st, Policy: po, Flow: fl, Text: tx}
	}
	return []Configuration{
		{Name: "none", Layers: l(false, false, false, false), TrustAll: true},
		{Name: "jail", Jail: true, Layers: l(false, false, false, false), Adds: LayerJail},
		{Name: "+static", Jail: true, Layers: l(true, false, false, false), Adds: LayerStatic},
		{Name: "+policy", Jail: true, Layers: l(true, true, false, false), Adds: LayerPolicy},
		{Name: "+flow", Jail: true, Layers: l(true, true, true, false), Adds: LayerFlow},
		{Name: "+text", Jail: true, Layers: l(true, true, true, true), Adds: LayerText},
		{Name: "all", Jail: true},
	}
}

// Options configure a Suite run.
type Options struct {
	Configurations []Configuration // default Ablation()
	Scenarios      []Scenario      // default All()
	Controls       []Control       // default Controls()
	// RunnerPath is cemcp-runner for the jail ("" = found as the gateway
	// finds it).
	RunnerPath string
	// Parallel runs this many scenario runs at once (default 3).
	Parallel int
	// Logger (nil = silent); Progress is called after each run.
	Logger   *slog.Logger
	Progress func(config, id string, blocked bool)
	// Limits are the deployment's limits (default DefaultLimits; a
	// Configuration's own Sandbox overrides them for its runs).
	Limits *Limits
	// Driver sits in the agent's seat (nil = Scripted, the worst case;
	// *LLM for a real model). Controls run their programs directly
	// whatever the driver.
	Driver Driver
}

// DefaultLimits are the deployment's limits under test.
var DefaultLimits = Limits{
	Timeout:     2 * time.Second,
	MemoryBytes: 128 << 20,
	MaxPids:     16,
	MaxOutput:   64 << 10,
	MaxCalls:    40,
	MaxTurns:    6,
}

// Outcome is one cell of the matrix.
type Outcome struct {
	Scenario string   `json:"scenario"`
	Config   string   `json:"config"`
	Blocked  bool     `json:"blocked"`
	Effects  []string `json:"effects,omitempty"`
	Asked    int      `json:"approvals_asked,omitempty"`
	Flags    []string `json:"flags,omitempty"`
	Turns    int      `json:"turns"`
	// Ledger is what the audit ledger recorded for the runs: one line per
	// call ("call TOOL DECISION STATUS RULE") and per flag ("flag KIND SOURCE").
	Ledger []string `json:"ledger,omitempty"`
	Ms     int64    `json:"ms"`
	// Transcript is what the model read, clipped.
	Transcript []Turn `json:"transcript,omitempty"`
}

// Run runs the suite.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Configurations == nil {
		opts.Configurations = Ablation()
	}
	if opts.Scenarios == nil {
		opts.Scenarios = All()
	}
	if opts.Controls == nil {
		opts.Controls = Controls()
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 3
	}
	lim := DefaultLimits
	if opts.Limits != nil {
		lim = *opts.Limits
	}
	h, err := NewHost()
	if err != nil {
		return nil, err
	}
	defer h.Close()
	bundled := map[string]string{}
	for _, name := range servers.Names() {
		info, _ := servers.Lookup(name)
		bundled[name] = h.Serve(name, info.New(), nil)
	}
	if opts.Driver == nil {
		opts.Driver = Scripted{}
	}
	rep := &Report{Started: time.Now().UTC(), Limits: lim, Driver: opts.Driver.Name()}
	if l, ok := opts.Driver.(*LLM); ok {
		rep.Model = l.Model
	}
	for _, c := range opts.Configurations {
		rep.Configs = append(rep.Configs, c)
	}
	for _, s := range opts.Scenarios {
		rep.Scenarios = append(rep.Scenarios, ScenarioInfo{ID: s.ID, Class: s.Class, Title: s.Title, Attack: s.Attack, Task: s.Task, Stop: s.Stop, Program: s.Program})
	}
	for _, c := range opts.Controls {
		rep.Controls = append(rep.Controls, c.ID)
	}
	for _, c := range opts.Configurations {
		exec, err := newExecutor(c, lim, opts.RunnerPath)
		if err != nil {
			return nil, fmt.Errorf("configuration %s: %w", c.Name, err)
		}
		r := &runner{h: h, c: c, exec: exec, bundled: bundled, log: opts.Logger, lim: lim, drv: opts.Driver}
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, opts.Parallel)
		for _, s := range opts.Scenarios {
			wg.Add(1)
			sem <- struct{}{}
			go func(s Scenario) {
				defer wg.Done()
				defer func() { <-sem }()
				o := r.scenario(ctx, s)
				mu.Lock()
				rep.Outcomes = append(rep.Outcomes, o)
				mu.Unlock()
				if opts.Progress != nil {
					opts.Progress(c.Name, s.ID, o.Blocked)
				}
			}(s)
		}
		for _, ct := range opts.Controls {
			wg.Add(1)
			sem <- struct{}{}
			go func(ct Control) {
				defer wg.Done()
				defer func() { <-sem }()
				o := r.control(ctx, ct)
				mu.Lock()
				rep.Benign = append(rep.Benign, o)
				mu.Unlock()
				if opts.Progress != nil {
					opts.Progress(c.Name, ct.ID, o.Blocked)
				}
			}(ct)
		}
		wg.Wait()
		exec.Close()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	rep.finish()
	return rep, nil
}

// newExecutor builds the configuration's executor, shared by its runs.
func newExecutor(c Configuration, lim Limits, runnerPath string) (sandbox.Executor, error) {
	if !c.Jail && c.Sandbox == nil {
		return &Naive{}, nil
	}
	sb := deploymentSandbox(c, lim)
	if c.Sandbox == nil {
		sb.Mode = "jail"
	}
	if sb.RunnerPath == "" {
		sb.RunnerPath = runnerPath
	}
	// NewExecutor needs a logger (nil panics in the jail's setup).
	return gateway.NewExecutor(sb, slog.New(slog.DiscardHandler))
}

func deploymentSandbox(c Configuration, lim Limits) config.Sandbox {
	if c.Sandbox != nil {
		return *c.Sandbox
	}
	sb := config.Default().Cemcp.Sandbox
	sb.Timeout = lim.Timeout
	sb.MaxTimeout = lim.Timeout
	sb.MemoryBytes = lim.MemoryBytes
	sb.MaxPids = lim.MaxPids
	sb.MaxOutputBytes = lim.MaxOutput
	sb.MaxToolCalls = lim.MaxCalls
	sb.PoolSize = 2
	return sb
}

// keepOpen lets many gateways share one executor (Gateway.Close closes
// its executor).
type keepOpen struct{ sandbox.Executor }

func (keepOpen) Close() error { return nil }

type runner struct {
	h       *Host
	c       Configuration
	exec    sandbox.Executor
	bundled map[string]string
	log     *slog.Logger
	lim     Limits
	drv     Driver // nil = Scripted
}

// session is one gateway over one run's servers, with the agent's client.
type session struct {
	gw    *gateway.Gateway
	cs    *mcp.ClientSession
	ap    *approvals
	urls  []string
	close func()
}

func (r *runner) start(ctx context.Context, dir string, ups []Upstream, bundled []string) (*session, error) {
	cfg := config.Default()
	cfg.Cemcp.Sandbox = deploymentSandbox(r.c, r.lim)
	if r.c.Jail && r.c.Sandbox == nil {
		cfg.Cemcp.Sandbox.Mode = "jail"
	}
	if r.c.Policy != nil {
		cfg.Cemcp.Policy = *r.c.Policy
	} else {
		cfg.Cemcp.Policy.MaxCallsPerRun = r.lim.MaxCalls
		cfg.Cemcp.Policy.ApprovalTimeout = 10 * time.Second
	}
	cfg.Cemcp.Audit = config.Audit{Enabled: true, Path: filepath.Join(dir, "audit.db")}
	cfg.Cemcp.Expose = map[string]config.Expose{}
	s := &session{ap: &approvals{}}
	add := func(name, url string, trusted bool) {
		cfg.Servers[name] = &config.Server{Name: name, Type: "http", URL: url, Trusted: trusted || r.c.TrustAll,
			StartTimeout: 10 * time.Second, CallTimeout: 10 * time.Second}
	}
	for _, u := range ups {
		s.urls = append(s.urls, r.h.Serve(u.Name, u.Server, nil))
		add(u.Name, s.urls[len(s.urls)-1], u.Trusted)
	}
	for _, b := range bundled {
		add(b, r.bundled[b], false)
	}
	gw, err := gateway.New(ctx, gateway.Options{Config: cfg, Executor: keepOpen{r.exec}, Layers: r.c.Layers, Logger: r.log})
	if err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	for _, st := range gw.Status() {
		if st.State != "ready" {
			gw.Close()
			return nil, fmt.Errorf("server %s is %s: %s", st.Name, st.State, st.Error)
		}
	}
	ct, stt := mcp.NewInMemoryTransports()
	ss, err := gw.Server().Connect(ctx, stt, nil)
	if err != nil {
		gw.Close()
		return nil, fmt.Errorf("connect to gateway: %w", err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "redteam-agent", Version: "1"},
		&mcp.ClientOptions{ElicitationHandler: s.ap.handler}).Connect(ctx, ct, nil)
	if err != nil {
		ss.Close()
		gw.Close()
		return nil, fmt.Errorf("connect to gateway: %w", err)
	}
	s.gw, s.cs = gw, cs
	s.close = func() {
		cs.Close()
		ss.Close()
		gw.Close()
		r.h.Drop(s.urls...)
	}
	return s, nil
}

// standard are the servers of every scenario run, before the scenario's
// own replace them by name.
func standard(w *World, own []Upstream) []Upstream {
	std := []Upstream{
		{Name: "access", Server: accessServer(nil)},
		{Name: "doors", Server: doorsServer(), Trusted: true},
		{Name: "mail", Server: mailServer(), Trusted: true},
		{Name: "canary", Server: canaryServer(), Trusted: true},
	}
	byName := map[string]int{}
	for i, u := range std {
		byName[u.Name] = i
	}
	for _, u := range own {
		if i, ok := byName[u.Name]; ok {
			std[i] = u
		} else {
			std = append(std, u)
		}
	}
	for _, u := range std {
		u.Server.AddReceivingMiddleware(w.Rec.middleware(u.Name))
	}
	return std
}

// RunScenario runs one scenario under one configuration and returns the
// world it left (for tests that assert more than the outcome).
func RunScenario(ctx context.Context, c Configuration, s Scenario, runnerPath string) (Outcome, *World, error) {
	exec, err := newExecutor(c, DefaultLimits, runnerPath)
	if err != nil {
		return Outcome{}, nil, err
	}
	defer exec.Close()
	h, err := NewHost()
	if err != nil {
		return Outcome{}, nil, err
	}
	defer h.Close()
	r := &runner{h: h, c: c, exec: exec, lim: DefaultLimits}
	o, w := r.run(ctx, s)
	return o, w, nil
}

func (r *runner) scenario(ctx context.Context, s Scenario) Outcome {
	o, _ := r.run(ctx, s)
	return o
}

func (r *runner) run(ctx context.Context, s Scenario) (Outcome, *World) {
	start := time.Now()
	o := Outcome{Scenario: s.ID, Config: r.c.Name}
	dir, err := os.MkdirTemp("", "cemcp-redteam-")
	if err != nil {
		o.Effects = []string{"harness: " + err.Error()}
		return o, nil
	}
	defer os.RemoveAll(dir)
	w, err := newWorld(dir, r.lim)
	if err != nil {
		o.Effects = []string{"harness: " + err.Error()}
		return o, nil
	}
	defer w.close()
	if strings.HasPrefix(s.Class, "P5.6") {
		if err := w.startVictim(); err != nil {
			o.Effects = []string{"harness: " + err.Error()}
			return o, w
		}
	}
	var own []Upstream
	if s.Servers != nil {
		own = s.Servers(w)
	}
	ss, err := r.start(ctx, dir, standard(w, own), nil)
	if err != nil {
		o.Effects = []string{"harness: " + err.Error()}
		return o, w
	}
	defer ss.close()
	turns := s.MaxTurns
	if turns == 0 {
		turns = r.lim.MaxTurns
	}
	w.Agent = NewAgent(ss.cs, turns)
	plan := s.Plan(w)
	for i := range plan.Programs {
		plan.Programs[i] = w.expand(plan.Programs[i])
	}
	drv, timeout := r.drv, 45*time.Second
	if drv == nil {
		drv = Scripted{}
	}
	if t, ok := drv.(interface{ RunTimeout() time.Duration }); ok {
		timeout = t.RunTimeout()
	}
	rctx, cancel := context.WithTimeout(ctx, timeout)
	err = drv.Drive(rctx, w.Agent, s, plan)
	cancel()
	var modelErr *ModelError
	switch {
	case errors.As(err, &modelErr):
		o.Effects = append(o.Effects, "harness: "+clip(err.Error(), 200))
	case err != nil:
		w.Failure = err.Error()
	}
	// The gateway must still answer after the attack.
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	if _, perr := ss.cs.CallTool(pctx, &mcp.CallToolParams{Name: "search_tools", Arguments: map[string]any{"query": "door"}}); perr != nil && w.Failure == "" {
		w.Failure = "the gateway no longer answers: " + perr.Error()
	}
	pcancel()
	w.Asked = ss.ap.list()
	o.Ledger = ledgerOf(ctx, ss.gw, w.Agent)
	o.Effects = append(o.Effects, s.Oracle(w)...)
	if w.Failure != "" && ctx.Err() == nil {
		o.Effects = append(o.Effects, "the gateway hung or failed: "+clip(w.Failure, 200))
	}
	o.Blocked = len(o.Effects) == 0
	o.Asked = len(w.Asked)
	o.Turns = w.Agent.Executions()
	o.Flags = flagsOf(w.Agent)
	o.Transcript = trimTurns(w.Agent.Turns)
	o.Ms = time.Since(start).Milliseconds()
	return o, w
}

// ledgerOf summarizes what the ledger recorded for the agent's runs.
func ledgerOf(ctx context.Context, gw *gateway.Gateway, a *Agent) []string {
	if gw.Ledger() == nil {
		return nil
	}
	gw.SyncAudit()
	var out []string
	for _, t := range a.Turns {
		if t.RunID == "" {
			continue
		}
		d, err := gw.Ledger().Show(ctx, t.RunID)
		if err != nil {
			out = append(out, "error "+err.Error())
			continue
		}
		out = append(out, "run "+d.Status)
		for _, c := range d.Calls {
			out = append(out, fmt.Sprintf("call %s %s %s %s", c.Tool, c.Decision, c.Status, c.Rule))
		}
		for _, f := range d.Flags {
			out = append(out, fmt.Sprintf("flag %s %s", f.Kind, f.Source))
		}
	}
	// Defenses that act at discovery, between programs (quarantine), are
	// recorded as runs of language "catalog".
	runs, err := gw.Ledger().List(ctx, audit.ListOptions{Limit: 1000})
	if err == nil {
		for _, r := range runs {
			if r.Language != "catalog" {
				continue
			}
			if d, err := gw.Ledger().Show(ctx, r.ID); err == nil {
				for _, f := range d.Flags {
					out = append(out, fmt.Sprintf("flag %s %s", f.Kind, f.Source))
				}
			}
		}
	}
	return out
}

// flagsOf lists the kinds of the gate's flags the model was shown.
func flagsOf(a *Agent) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range a.Turns {
		for _, line := range strings.Split(t.Read, "\n") {
			if k, ok := strings.CutPrefix(line, "[cemcp flag "); ok {
				k, _, _ = strings.Cut(k, " ")
				if !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func trimTurns(ts []Turn) []Turn {
	out := make([]Turn, 0, len(ts))
	for _, t := range ts {
		t.Input, t.Read = clip(t.Input, 600), clip(t.Read, 1200)
		out = append(out, t)
	}
	return out
}

// Control is a benign task: it must pass untouched.
type Control struct {
	ID       string
	Servers  []string // bundled servers
	Language string   // "" = typescript
	Program  string
	Check    func(result json.RawMessage) error
}

func (r *runner) control(ctx context.Context, ct Control) Outcome {
	start := time.Now()
	o := Outcome{Scenario: ct.ID, Config: r.c.Name}
	dir, err := os.MkdirTemp("", "cemcp-redteam-")
	if err != nil {
		o.Effects = []string{"harness: " + err.Error()}
		return o
	}
	defer os.RemoveAll(dir)
	w := &World{Rec: &Recorder{}}
	ss, err := r.start(ctx, dir, standard(w, nil), ct.Servers)
	if err != nil {
		o.Effects = []string{"harness: " + err.Error()}
		return o
	}
	defer ss.close()
	rctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	args := map[string]any{"code": ct.Program}
	if ct.Language != "" {
		args["language"] = ct.Language
	}
	res, err := ss.cs.CallTool(rctx, &mcp.CallToolParams{Name: "execute_code", Arguments: args})
	switch {
	case err != nil:
		o.Effects = append(o.Effects, "execute_code failed: "+err.Error())
	case res.IsError:
		o.Effects = append(o.Effects, "the run failed: "+clip(textOf(res), 400))
	default:
		var out gateway.ExecuteOutput
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &out)
		for _, c := range out.Calls {
			if c.Decision != "allow" || c.Status != "ok" {
				o.Effects = append(o.Effects, fmt.Sprintf("call %s: %s/%s", c.Tool, c.Decision, c.Status))
			}
		}
		// Flags do not block; they are kept to measure noise.
		for _, f := range out.Flags {
			o.Flags = append(o.Flags, f.Kind+": "+clip(f.Detail, 120))
		}
		rb, _ := json.Marshal(out.Result)
		if ct.Check != nil {
			if err := ct.Check(rb); err != nil {
				o.Effects = append(o.Effects, "wrong answer: "+clip(err.Error(), 200))
			}
		}
	}
	if a := ss.ap.list(); len(a) > 0 {
		o.Asked = len(a)
		o.Effects = append(o.Effects, fmt.Sprintf("the user was asked %d time(s)", len(a)))
	}
	// For controls, Blocked means "a false positive".
	o.Blocked = len(o.Effects) > 0
	o.Ms = time.Since(start).Milliseconds()
	return o
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
