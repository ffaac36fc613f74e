// Package upstream connects the gateway to its upstream MCP servers.
//
// A [Hub] holds one connection per configured server, over stdio (a spawned
// process), Streamable HTTP or SSE, using the MCP Go SDK client. It starts
// every server concurrently, each bounded by its own start timeout, and
// keeps each one's tool list current: it re-lists (following pagination) on
// notifications/tools/list_changed and after every reconnect, and reports
// every change through [Options.OnToolsChanged].
//
// Spawned servers get a scrubbed environment (PATH, HOME, LANG, TERM and USER
// from the gateway, plus their configured env; nothing else), run in a
// process group of their own that is killed as a whole (so wrappers such as
// npx and their children die with them), die with the gateway (Pdeathsig),
// and have their stderr logged at debug level, never copied to the
// gateway's stdout, which may itself be carrying MCP.
//
// A server that crashes or loses its transport is reconnected with
// exponential backoff (200 ms doubling to 30 s, with jitter); while it is
// down, calls fail at once with [CodeUnavailable]. Every failure of
// [Hub.CallTool] is a [*CallError] with a [Code]; a tool that runs and
// reports failure is not an error but a result with IsError set.
//
// Stdio servers are driven through [mcp.IOTransport] over pipes the hub
// owns, rather than [mcp.CommandTransport]: the hub must reap the process
// itself to see a crash even when a grandchild still holds stdout, kill the
// whole process group, and tell a crash from garbage on stdout.
package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cemcp/cemcp/internal/config"
)

// Defaults for per-server timeouts and the reconnect backoff.
const (
	DefaultStartTimeout = 30 * time.Second
	DefaultCallTimeout  = 60 * time.Second

	backoffMin = 200 * time.Millisecond
	backoffMax = 30 * time.Second
	// A session that stayed up this long resets the backoff.
	backoffReset = 30 * time.Second
	// How long an orderly shutdown waits for a server to exit on its own
	// after its stdin is closed, before SIGTERM (and as long again, halved,
	// before SIGKILL).
	shutdownGrace = 2 * time.Second
	// KeepAlive ping interval on network transports, to notice a dead peer.
	netKeepAlive = 30 * time.Second
)

// Options configures a Hub. The zero value is usable.
type Options struct {
	// Logger receives connection events and the stderr of spawned servers
	// (at debug level). Nil means silence.
	Logger *slog.Logger
	// Client is the name and version sent upstream; nil means cemcp.
	Client *mcp.Implementation
	// StartTimeout bounds connect + initialize + the first tools/list of a
	// server whose config sets none; zero means DefaultStartTimeout.
	StartTimeout time.Duration
	// CallTimeout bounds one tools/call to a server whose config sets none;
	// zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// OnToolsChanged is called with a server's full tool list (non-nil,
	// possibly empty) when it becomes ready and after every re-list, and
	// with nil when the server goes away (lost, or the hub closed). Calls
	// for one server are serialized; calls for different servers may run
	// concurrently.
	OnToolsChanged func(server string, tools []*mcp.Tool)
	// BaseEnv returns the environment that spawned servers' environments
	// are scrubbed from; nil means os.Environ. For tests.
	BaseEnv func() []string
}

// State is a server connection's state.
type State string

// States of a server connection.
const (
	StateStarting     State = "starting"     // first connection attempt under way
	StateReady        State = "ready"        // connected; calls go through
	StateFailed       State = "failed"       // never connected; retried in the background
	StateReconnecting State = "reconnecting" // was ready, connection lost; being retried
	StateDisabled     State = "disabled"     // disabled in the configuration; never started
	StateClosed       State = "closed"       // the hub is closed
)

// ServerStatus describes one server connection.
type ServerStatus struct {
	Name      string
	Transport string // "stdio", "http" or "sse"
	State     State
	Error     string // the last connection error, if any
	Tools     int
	Restarts  int // times the connection was re-established after being ready
}

// Hub holds the connections to all upstream servers. Its methods are safe
// for concurrent use.
type Hub struct {
	opts  Options
	log   *slog.Logger
	impl  *mcp.Implementation
	conns map[string]*conn
	names []string // sorted

	ctx    context.Context // lives until Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per running connection loop

	mu      sync.Mutex
	started bool
	closed  bool

	// Test hooks.
	backoffMin time.Duration
	// dial, when set, replaces the configured transport of every server.
	dial func(ctx context.Context, server string) (mcp.Transport, error)
}

// New returns a Hub for the given servers (keyed by name). It starts
// nothing: call Start.
func New(servers map[string]*config.Server, opts Options) *Hub {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	impl := opts.Client
	if impl == nil {
		impl = &mcp.Implementation{Name: "cemcp", Version: "dev"}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		opts:       opts,
		log:        log,
		impl:       impl,
		conns:      make(map[string]*conn, len(servers)),
		ctx:        ctx,
		cancel:     cancel,
		backoffMin: backoffMin,
	}
	for name, cfg := range servers {
		if cfg == nil {
			continue
		}
		h.conns[name] = newConn(h, name, cfg)
		h.names = append(h.names, name)
	}
	sort.Strings(h.names)
	return h
}

func (h *Hub) baseEnv() []string {
	if h.opts.BaseEnv != nil {
		return h.opts.BaseEnv()
	}
	return os.Environ()
}

// Start connects to every enabled server concurrently and returns when each
// is ready or has failed its first attempt (each bounded by its start
// timeout), or when ctx is done. A failure is logged and shown in Status,
// never returned: the server is retried in the background. Start does
// nothing after the first call or after Close.
func (h *Hub) Start(ctx context.Context) {
	h.mu.Lock()
	if h.started || h.closed {
		h.mu.Unlock()
		return
	}
	h.started = true
	var pending []chan struct{}
	for _, name := range h.names {
		c := h.conns[name]
		if c.cfg.Disabled {
			continue
		}
		first := make(chan struct{})
		pending = append(pending, first)
		h.wg.Add(1)
		go c.run(h.ctx, first)
	}
	h.mu.Unlock()
	for _, first := range pending {
		select {
		case <-first:
		case <-ctx.Done():
			return
		}
	}
}

// Status reports every server, sorted by name.
func (h *Hub) Status() []ServerStatus {
	out := make([]ServerStatus, 0, len(h.names))
	for _, name := range h.names {
		out = append(out, h.conns[name].status())
	}
	return out
}

// Tools returns the current tool list of a ready server, or nil. The tools
// are shared: do not modify them.
func (h *Hub) Tools(server string) []*mcp.Tool {
	c := h.conns[server]
	if c == nil {
		return nil
	}
	return c.currentTools()
}

// CallTool calls a tool of a server, bounded by the server's call timeout
// and by ctx; cancelling ctx cancels the call upstream
// (notifications/cancelled). args is the JSON object of arguments (nil or
// empty means none). Every error is a *CallError.
func (h *Hub) CallTool(ctx context.Context, server, tool string, args json.RawMessage) (*mcp.CallToolResult, error) {
	return h.CallToolWith(ctx, server, tool, args, CallOptions{})
}

// CallToolWith is CallTool with options: a Downstream that receives the
// upstream's progress, log messages, and sampling and elicitation requests
// made during the call.
func (h *Hub) CallToolWith(ctx context.Context, server, tool string, args json.RawMessage, opts CallOptions) (*mcp.CallToolResult, error) {
	c := h.conns[server]
	if c == nil {
		return nil, &CallError{Server: server, Tool: tool, Code: CodeNotFound, Err: fmt.Errorf("no upstream server %q", server)}
	}
	return c.call(ctx, tool, args, opts)
}

// Close shuts every connection down: in-flight calls are cancelled, every
// session is closed, and every spawned server and its process group is
// gone when Close returns. Close is idempotent.
func (h *Hub) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
	for _, c := range h.conns {
		c.markClosed()
	}
	return nil
}
