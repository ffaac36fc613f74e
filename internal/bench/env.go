package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
	"github.com/cemcp/cemcp/internal/distractors"
	"github.com/cemcp/cemcp/internal/gateway"
	"github.com/cemcp/cemcp/internal/sandbox"
	"github.com/cemcp/cemcp/servers"
)

// DistractorSeed seeds the distractor catalogs of the sweeps.
const DistractorSeed = 6

// Host serves upstream MCP servers in this process over Streamable HTTP on
// 127.0.0.1, one endpoint per server, and times every tools/call they
// handle. Bundled servers are served at /b/NAME; distractor catalogs of n
// tools at /d/N/NAME.
type Host struct {
	rec *recorder
	ln  net.Listener
	srv *http.Server
	mux *http.ServeMux

	mu     sync.Mutex
	routes map[string]bool            // guarded by mu
	dspecs map[int][]distractors.Spec // guarded by mu
}

// NewHost starts a Host.
func NewHost() (*Host, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench host: listen: %w", err)
	}
	h := &Host{rec: &recorder{}, ln: ln, mux: http.NewServeMux(), routes: map[string]bool{}, dspecs: map[int][]distractors.Spec{}}
	h.srv = &http.Server{Handler: h.mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Default().Error("bench host", "err", err)
		}
	}()
	return h, nil
}

// Close stops serving.
func (h *Host) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return h.srv.Shutdown(ctx)
}

func (h *Host) url(path string) string { return "http://" + h.ln.Addr().String() + path }

// route serves srv at path unless something is already there.
func (h *Host) route(path string, mk func() *mcp.Server) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.routes[path] {
		s := mk()
		s.AddReceivingMiddleware(h.rec.middleware)
		h.mux.Handle(path, mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
		h.routes[path] = true
	}
	return h.url(path)
}

// Bundled returns the URL of a bundled server.
func (h *Host) Bundled(name string) (string, error) {
	info, ok := servers.Lookup(name)
	if !ok {
		return "", fmt.Errorf("bench host: no bundled server %q", name)
	}
	return h.route("/b/"+name, info.New), nil
}

// Distractors returns the servers (name to URL) of a distractor catalog of
// n tools generated with DistractorSeed. Names that clash with a bundled
// server get an "x_" prefix.
func (h *Host) Distractors(n int) map[string]string {
	h.mu.Lock()
	specs, ok := h.dspecs[n]
	if !ok {
		specs = distractors.Specs(n, DistractorSeed)
		h.dspecs[n] = specs
	}
	h.mu.Unlock()
	out := map[string]string{}
	for _, s := range specs {
		name := s.Name
		if _, clash := servers.Lookup(name); clash {
			name = "x_" + name
		}
		out[name] = h.route(fmt.Sprintf("/d/%d/%s", n, s.Name), s.Server)
	}
	return out
}

// Setup names what a gateway connects to: bundled servers and a distractor
// catalog of Distractors tools.
type Setup struct {
	Servers     []string `json:"servers"`
	Distractors int      `json:"distractors"`
}

// Key identifies the setup.
func (s Setup) Key() string {
	ss := slices.Clone(s.Servers)
	sort.Strings(ss)
	return fmt.Sprintf("%s+%d", strings.Join(ss, ","), s.Distractors)
}

// Env is one running gateway over a Setup with a client session on its MCP
// face.
type Env struct {
	Setup   Setup
	GW      *gateway.Gateway
	Session *mcp.ClientSession
	host    *Host
	// Tools are the pass-through tools as listed to the client;
	// CodeTools the three code-mode tools.
	Tools     []ToolDef
	CodeTools []ToolDef
	// Instructions is the gateway's server instructions.
	Instructions string
}

// Start starts a gateway (in-process executor unless exec is given) over
// setup, every server trusted and exposed as pass-through tools too.
//
// When the gateway's pass-through tools do not settle to the whole catalog
// (concurrent catalog updates of several upstreams can leave the served
// set stale), the gateway is started again, up to three times.
func (h *Host) Start(ctx context.Context, setup Setup, exec sandbox.Executor) (*Env, error) {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var e *Env
		e, err = h.start(ctx, setup, exec)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, errUnsettled) {
			return nil, err
		}
	}
	return nil, err
}

var errUnsettled = errors.New("pass-through tools did not settle")

func (h *Host) start(ctx context.Context, setup Setup, exec sandbox.Executor) (*Env, error) {
	cfg := config.Default()
	cfg.Cemcp.Audit.Enabled = false
	cfg.Cemcp.Sandbox.Mode = "inprocess"
	cfg.Cemcp.Expose = map[string]config.Expose{"*": {Mode: "passthrough"}}
	add := func(name, url string) {
		cfg.Servers[name] = &config.Server{Name: name, Type: "http", URL: url, Trusted: true,
			StartTimeout: 30 * time.Second, CallTimeout: 60 * time.Second}
	}
	for _, s := range setup.Servers {
		u, err := h.Bundled(s)
		if err != nil {
			return nil, err
		}
		add(s, u)
	}
	if setup.Distractors > 0 {
		for n, u := range h.Distractors(setup.Distractors) {
			add(n, u)
		}
	}
	if exec == nil {
		exec = sandbox.NewInProcess(sandbox.Limits{}, nil)
	}
	g, err := gateway.New(ctx, gateway.Options{Config: cfg, Executor: &timedExecutor{inner: exec, rec: h.rec}})
	if err != nil {
		return nil, fmt.Errorf("start gateway: %w", err)
	}
	for _, st := range g.Status() {
		if st.State != "ready" {
			g.Close()
			return nil, fmt.Errorf("server %s is %s: %s", st.Name, st.State, st.Error)
		}
	}
	e := &Env{Setup: setup, GW: g, host: h}
	ct, stt := mcp.NewInMemoryTransports()
	if _, err := g.Server().Connect(ctx, stt, nil); err != nil {
		g.Close()
		return nil, fmt.Errorf("connect to gateway: %w", err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cemcp-bench", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		g.Close()
		return nil, fmt.Errorf("connect to gateway: %w", err)
	}
	e.Session = cs
	if r := cs.InitializeResult(); r != nil {
		e.Instructions = r.Instructions
	}
	// The gateway registers pass-through tools as each upstream's catalog
	// arrives: wait until every catalog tool is served.
	want := len(g.Catalog().Tools())
	for deadline := time.Now().Add(2 * time.Second); ; {
		if err := e.listTools(ctx); err != nil {
			e.Close()
			return nil, err
		}
		if len(e.Tools) >= want {
			break
		}
		if time.Now().After(deadline) {
			e.Close()
			return nil, fmt.Errorf("%w: gateway serves %d pass-through tools of %d", errUnsettled, len(e.Tools), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return e, nil
}

func (e *Env) listTools(ctx context.Context) error {
	e.Tools, e.CodeTools = nil, nil
	for t, err := range e.Session.Tools(ctx, nil) {
		if err != nil {
			return fmt.Errorf("list gateway tools: %w", err)
		}
		p, _ := json.Marshal(t.InputSchema)
		d := ToolDef{Name: t.Name, Description: t.Description, Parameters: p}.withJSON()
		switch t.Name {
		case "search_tools", "describe_tools", "execute_code":
			e.CodeTools = append(e.CodeTools, d)
		default:
			e.Tools = append(e.Tools, d)
		}
	}
	sort.Slice(e.Tools, func(i, j int) bool { return e.Tools[i].Name < e.Tools[j].Name })
	return nil
}

// Close stops the gateway.
func (e *Env) Close() error {
	if e.Session != nil {
		e.Session.Close()
	}
	return e.GW.Close()
}

// ToolNamed returns the pass-through definition with the given name.
func (e *Env) ToolNamed(name string) (ToolDef, bool) {
	i := sort.Search(len(e.Tools), func(i int) bool { return e.Tools[i].Name >= name })
	if i < len(e.Tools) && e.Tools[i].Name == name {
		return e.Tools[i], true
	}
	return ToolDef{}, false
}

// Interval kinds the recorder keeps.
const (
	kindTool = iota // an upstream server handling tools/call
	kindCall        // the gateway handling one inner call of a program
	kindExec        // the executor running one program
)

type interval struct {
	kind       int
	start, end time.Time
}

// recorder collects timed intervals. Measurements are taken one task at a
// time, so intervals between two marks belong to that task.
type recorder struct {
	mu  sync.Mutex
	ivs []interval
}

func (r *recorder) add(kind int, start time.Time) {
	end := time.Now()
	r.mu.Lock()
	r.ivs = append(r.ivs, interval{kind, start, end})
	r.mu.Unlock()
}

// reset drops every interval.
func (r *recorder) reset() {
	r.mu.Lock()
	r.ivs = r.ivs[:0]
	r.mu.Unlock()
}

// union returns the time covered by intervals of kind.
func (r *recorder) union(kind int) time.Duration {
	r.mu.Lock()
	var ivs []interval
	for _, iv := range r.ivs {
		if iv.kind == kind {
			ivs = append(ivs, iv)
		}
	}
	r.mu.Unlock()
	return unionLen(ivs)
}

func unionLen(ivs []interval) time.Duration {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].start.Before(ivs[j].start) })
	var total time.Duration
	var cur interval
	for i, iv := range ivs {
		if i == 0 || iv.start.After(cur.end) {
			if i > 0 {
				total += cur.end.Sub(cur.start)
			}
			cur = iv
			continue
		}
		if iv.end.After(cur.end) {
			cur.end = iv.end
		}
	}
	if len(ivs) > 0 {
		total += cur.end.Sub(cur.start)
	}
	return total
}

func (r *recorder) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method != "tools/call" {
			return next(ctx, method, req)
		}
		start := time.Now()
		defer r.add(kindTool, start)
		return next(ctx, method, req)
	}
}

// timedExecutor times programs and their inner calls.
type timedExecutor struct {
	inner sandbox.Executor
	rec   *recorder
}

var _ sandbox.Executor = (*timedExecutor)(nil)

func (t *timedExecutor) Execute(ctx context.Context, req *sandbox.Request, caller sandbox.ToolCaller) (*sandbox.Response, error) {
	start := time.Now()
	defer t.rec.add(kindExec, start)
	return t.inner.Execute(ctx, req, sandbox.ToolCallerFunc(func(ctx context.Context, tool string, args json.RawMessage) (json.RawMessage, error) {
		s := time.Now()
		defer t.rec.add(kindCall, s)
		return caller.CallTool(ctx, tool, args)
	}))
}

func (t *timedExecutor) Isolated() bool { return t.inner.Isolated() }

func (t *timedExecutor) Close() error { return t.inner.Close() }
